import Crypto
import Foundation
import RailyardCore

/// What `channel index` wrote: records per label, and the index files another indexer had
/// written that it set aside.
package struct IndexSummary: Sendable, Equatable {
    package var labels: [String: Int]
    package var mainGeneration: Int
    /// Channel-relative paths of the files moved to `.railyard/adopted/GENERATION/`.
    package var setAside: [String] = []
}

extension LocalChannel {
    /// Rebuilds every label's repodata from the package files present, the job conda-index does;
    /// how an existing channel is adopted (a `main` of real subdir folders becomes the first
    /// generation). Every file is read before anything is written: one bad file changes nothing.
    package func index(committed: (String?) throws -> Bool, progress: ((Int, Int) -> Void)? = nil) throws
        -> IndexSummary
    {
        if !FileSystem.exists(path) { throw ChannelError.notAChannel(path: path, message: "no such folder") }
        // Not `create()`: a channel made elsewhere gets its first generation from this index,
        // once every file was read, and not before.
        try FileSystem.makeDirectories(generations)
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        try recoverLocked(committed: committed)

        // main: the package files in the folders at the top (a channel made elsewhere has a
        // repodata.json of its own there, which becomes a link to the new generation).
        var main: [String: Repodata] = [:]
        for entry in FileSystem.list(path).sorted() where Subdir.known.contains(entry) {
            let folder = path + "/" + entry
            guard !FileSystem.isSymlink(folder), FileSystem.isDirectory(folder) else { continue }
            var records = try Self.readPackages(in: folder, subdir: entry)
            // When each file entered main (CEP 47) is kept from the repodata main had, ours or
            // another indexer's; a file it did not list is seeded from the file's time.
            let listed = (try? FileSystem.read(folder + "/repodata.json")).flatMap {
                try? Repodata.read($0, path: folder + "/repodata.json")
            }
            for (fileName, record) in records {
                let earlier = listed?.records[fileName].flatMap {
                    $0.sha256 == record.sha256 ? $0.indexedTimestamp : nil
                }
                records[fileName]?.indexedTimestamp =
                    earlier ?? FileSystem.modificationTime(folder + "/" + fileName).map { Int($0 * 1000) }
            }
            main[entry] = Repodata(subdir: entry, records: records)
        }
        let generation = mainGeneration
        var labelIndexes: [String: [String: Repodata]] = [:]
        for label in labels() {
            var subdirs: [String: Repodata] = [:]
            for subdir in FileSystem.list(path + "/label/" + label) where Subdir.known.contains(subdir) {
                let folder = directory(label: label, subdir: subdir)
                guard FileSystem.isDirectory(folder) else { continue }
                subdirs[subdir] = Repodata(subdir: subdir, records: try Self.readPackages(in: folder, subdir: subdir))
            }
            if subdirs["noarch"] == nil { subdirs["noarch"] = Repodata(subdir: "noarch") }
            labelIndexes[label] = subdirs
        }

        // Everything read: write the labels, then main as a new generation, then set aside what
        // another indexer wrote (only once the new index stands: a failure before leaves it all).
        let foreign = foreignIndexFiles(
            main: main.keys.sorted(), labels: labelIndexes.mapValues { $0.keys.sorted() })
        for (label, subdirs) in labelIndexes {
            for (subdir, repodata) in subdirs {
                let folder = directory(label: label, subdir: subdir)
                try FileSystem.makeDirectories(folder)
                try writeIndex(repodata, into: folder)
            }
        }
        let published = try publishLocked(
            main, sources: [:], expectGeneration: generation, train: nil, committed: { _ in true },
            progress: progress, commit: {})
        let setAside = try setAside(foreign, into: meta + "/adopted/" + Self.generationName(published))
        return IndexSummary(
            labels: labelIndexes.mapValues { $0.values.reduce(0) { $0 + $1.records.count } }
                .merging(["main": main.values.reduce(0) { $0 + $1.records.count }]) { a, _ in a },
            mainGeneration: published, setAside: setAside
        )
    }

    /// The files conda-index writes at a channel's (or a label's) top: stale once Railyard
    /// indexes, since it does not write them (yet).
    static let foreignTopFiles: Set<String> = ["channeldata.json", "index.html", "rss.xml"]

    /// What another indexer wrote, channel-relative: in each subdir, everything that is neither a
    /// package file nor one of Railyard's index files (`current_repodata.json`,
    /// `repodata.json.bz2`, `run_exports.json`, sharded repodata, `patch_instructions.json`, an
    /// `index.html`…), and conda-index's files at the top. A stale `current_repodata.json` would
    /// be read before the new `repodata.json`.
    func foreignIndexFiles(main: [String], labels: [String: [String]]) -> [String] {
        var found: [String] = []
        func sweep(_ top: String, subdirs: [String]) {
            let prefix = top.isEmpty ? "" : top + "/"
            for name in FileSystem.list(path + "/" + prefix).sorted() where Self.foreignTopFiles.contains(name) {
                found.append(prefix + name)
            }
            for subdir in subdirs {
                for name in FileSystem.list(path + "/" + prefix + subdir).sorted()
                where PackageRecord.format(ofFileName: name) == nil && !Self.indexFiles.contains(name)
                    && FileSystem.temporaryOwner(name) == nil
                {
                    found.append(prefix + subdir + "/" + name)
                }
            }
        }
        sweep("", subdirs: main)
        for (label, subdirs) in labels.sorted(by: { $0.key < $1.key }) { sweep("label/" + label, subdirs: subdirs) }
        return found
    }

    /// Moves `files` (channel-relative) into `folder`, keeping their paths: nothing is deleted.
    func setAside(_ files: [String], into folder: String) throws(ChannelError) -> [String] {
        for relative in files {
            let destination = folder + "/" + relative
            try FileSystem.makeDirectories((destination as NSString).deletingLastPathComponent)
            try FileSystem.rename(path + "/" + relative, to: destination)
        }
        if !files.isEmpty { try FileSystem.sync(path) }
        return files
    }

    /// Reads every package file of a folder; anything that is not a sound package refuses the
    /// whole index, naming the file.
    static func readPackages(in folder: String, subdir: String) throws(ChannelError) -> [String: PackageRecord] {
        var records: [String: PackageRecord] = [:]
        for fileName in FileSystem.list(folder).sorted() {
            guard PackageRecord.format(ofFileName: fileName) != nil, FileSystem.temporaryOwner(fileName) == nil,
                !FileSystem.isSymlink(folder + "/" + fileName)
            else { continue }
            let record: PackageRecord
            do {
                record = try PackageReader.read(path: folder + "/" + fileName)
            } catch {
                throw .package(error)
            }
            guard record.subdir == subdir || (record.noarch != nil && subdir == "noarch") else {
                throw .package(
                    .badMetadata(file: fileName, message: "it says subdir \(record.subdir), but lies in \(subdir)/"))
            }
            records[fileName] = record
        }
        return records
    }

    /// Checks every label: each repodata entry's file exists with the recorded size and sha256,
    /// no file is unlisted, every label has a `noarch`, and main's subdirs are linked.
    package func verify(progress: ((Int, Int) -> Void)? = nil) -> [String] {
        var problems: [String] = []
        if FileSystem.exists(journalPath) {
            problems.append(
                "a change of main is in flight (\(journalPath)); the next railyard command finishes or rolls it back")
        }
        let generation = mainGeneration
        for label in ["main"] + labels() {
            let subdirs = self.subdirs(label: label, generation: generation)
            if !subdirs.contains("noarch") { problems.append("\(label): noarch/repodata.json is missing") }
            for subdir in subdirs {
                let folder = directory(label: label, subdir: subdir)
                let place = label == "main" ? subdir : "label/\(label)/\(subdir)"
                let file = repodataPath(label: label, subdir: subdir, generation: generation)
                let repodata: Repodata
                do {
                    repodata = try Repodata.read(try FileSystem.read(file), path: file)
                } catch {
                    problems.append("\(place)/repodata.json: \(error)")
                    continue
                }
                if repodata.subdir != subdir {
                    problems.append("\(place)/repodata.json: info.subdir is \(repodata.subdir)")
                }
                for (fileName, record) in repodata.records.sorted(by: { $0.key < $1.key }) {
                    let packagePath = folder + "/" + fileName
                    guard let size = FileSystem.fileSize(packagePath) else {
                        problems.append("\(place)/\(fileName): listed, but the file is missing")
                        continue
                    }
                    if size != record.size {
                        problems.append("\(place)/\(fileName): \(size) bytes, the repodata says \(record.size)")
                        continue
                    }
                    if Self.sha256(of: packagePath) != record.sha256 {
                        problems.append("\(place)/\(fileName): its sha256 differs from the repodata's")
                    }
                }
                for fileName in FileSystem.list(folder).sorted()
                where !Self.indexFiles.contains(fileName) && repodata.records[fileName] == nil
                    && FileSystem.temporaryOwner(fileName) == nil
                {
                    problems.append("\(place)/\(fileName): not listed in repodata.json")
                }
                // The compressed repodata is the same generation: the very bytes, compressed.
                let compressed = (file as NSString).deletingLastPathComponent + "/repodata.json.zst"
                if let zst = try? FileSystem.read(compressed) {
                    let json = try? FileSystem.read(file)
                    if json == nil || Zstd.decompress(zst, limit: (json?.count ?? 0) + 1) != json {
                        problems.append(
                            "\(place)/repodata.json.zst: not the same as repodata.json (another generation, or damaged)"
                        )
                    }
                } else {
                    problems.append("\(place)/repodata.json.zst: missing (railyard channel index writes it)")
                }
                if label == "main" {
                    for name in Self.indexFiles
                    where FileSystem.readLink(folder + "/" + name) != "../.main/\(subdir)/\(name)" {
                        problems.append("\(subdir)/\(name): is not linked to ../.main/\(subdir)/\(name)")
                    }
                }
            }
        }
        return problems
    }

    static func sha256(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hash = SHA256()
        while let block = try? handle.read(upToCount: 1 << 20), !block.isEmpty { hash.update(data: block) }
        return PackageReader.hex(hash.finalize())
    }
}

extension LocalChannel {
    /// Main's index files as the current generation has them: `SUBDIR/NAME` and the bytes, every
    /// subdir, read from one generation (what a mirror of main must serve, byte for byte).
    /// Read under the channel's lock, so that a promotion finishing meanwhile does not remove
    /// the generation being read. A folder without a main is refused.
    package func mainIndexFiles() throws(ChannelError) -> (generation: Int, files: [(path: String, data: Data)]) {
        guard FileSystem.isDirectory(path) else { throw .notAChannel(path: path, message: "no such folder") }
        guard mainGeneration > 0 else {
            throw .notAChannel(path: path, message: "main has no generation here: run railyard channel index first")
        }
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        let generation = mainGeneration
        var files: [(String, Data)] = []
        for subdir in subdirs(label: "main", generation: generation) {
            for name in Self.indexFiles {
                let file = generationPath(generation) + "/" + subdir + "/" + name
                guard FileSystem.exists(file) else { continue }
                files.append((subdir + "/" + name, try FileSystem.read(file)))
            }
        }
        return (generation, files)
    }
}
