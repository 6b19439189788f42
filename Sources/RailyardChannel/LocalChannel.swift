import Foundation
import RailyardCore

#if canImport(Glibc)
    import Glibc
#endif

/// A conda channel in a local folder, in the layout conda reads, with `main` switched all at once.
///
/// ```
/// DIR/SUBDIR/                                   main's package files, as conda reads them
/// DIR/SUBDIR/repodata.json -> ../.main/SUBDIR/repodata.json
/// DIR/.main -> .railyard/main/000007            the current generation of main: one link
/// DIR/.railyard/main/000007/SUBDIR/repodata.json
/// DIR/label/LABEL/SUBDIR/                       any other label: repodata.json and the files
/// DIR/.railyard/journal.json                    a promotion in flight
/// ```
///
/// A promotion writes the next generation's repodata beside the current one and hard-links
/// the new package files into main's folders (unlisted until the switch), then replaces `.main`
/// in one `rename`: a reader going subdir after subdir through the links sees the old
/// generation everywhere or the new one everywhere, and never a repodata entry whose file is
/// missing. The journal makes a crash at any instant finish or roll back on the next command.
package final class LocalChannel: Sendable {
    package let path: String

    var meta: String { path + "/.railyard" }
    var generations: String { meta + "/main" }
    var mainLink: String { path + "/.main" }
    var journalPath: String { meta + "/journal.json" }
    var lockPath: String { meta + "/lock" }

    /// The channel at `path`. Nothing is written until something is staged, promoted or
    /// indexed: a command refused for bad input leaves no trace.
    package init(path: String) throws(ChannelError) {
        self.path = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        if FileSystem.exists(self.path) && !FileSystem.isDirectory(self.path) {
            throw .notAChannel(path: self.path, message: "not a directory")
        }
    }

    /// Creates the channel's skeleton where there is none: an empty `noarch` on `main`.
    func create() throws(ChannelError) {
        if FileSystem.readLink(mainLink) == nil {
            try FileSystem.makeDirectories(generations)
            let held = try lock()
            defer { withExtendedLifetime(held) {} }
            guard FileSystem.readLink(mainLink) == nil else { return }
            let first = generationPath(1)
            try FileSystem.makeDirectories(first + "/noarch")
            try writeIndex(Repodata(subdir: "noarch"), into: first + "/noarch")
            // A repodata.json of its own is a channel made elsewhere: `channel index` adopts it;
            // until then it stays as it is.
            if !FileSystem.exists(self.path + "/noarch/repodata.json") { try linkSubdirs(["noarch"]) }
            try FileSystem.replaceSymlink(mainLink, target: relativeGeneration(1))
            try FileSystem.sync(path)
        }
    }

    /// The channel's lock: every change of the channel holds it. Taking it removes what
    /// writes of dead processes left (see `sweepTemporaryFiles`).
    func lock() throws(ChannelError) -> FileLock {
        try FileSystem.makeDirectories(meta)
        let held = try FileLock(lockPath)
        sweepTemporaryFiles()
        return held
    }

    /// The temporary files of interrupted writes (`NAME.tmp-PID`) in the channel's folders,
    /// relative to the channel, with the process that made each.
    package func temporaryFiles() -> [(file: String, owner: Int32)] {
        var folders = ["", ".railyard"]
        for entry in FileSystem.list(path) where !entry.hasPrefix(".") && entry != "label" {
            folders.append(entry)
        }
        for generation in FileSystem.list(generations) {
            folders.append(".railyard/main/" + generation)
            for subdir in FileSystem.list(generations + "/" + generation) {
                folders.append(".railyard/main/\(generation)/\(subdir)")
            }
        }
        for label in labels() {
            folders.append("label/" + label)
            for subdir in FileSystem.list(path + "/label/" + label) { folders.append("label/\(label)/\(subdir)") }
        }
        var found: [(String, Int32)] = []
        for folder in folders {
            let base = folder.isEmpty ? path : path + "/" + folder
            guard FileSystem.isDirectory(base), !FileSystem.isSymlink(base) else { continue }
            for name in FileSystem.list(base).sorted() {
                guard let owner = FileSystem.temporaryOwner(name) else { continue }
                found.append((folder.isEmpty ? name : folder + "/" + name, owner))
            }
        }
        return found
    }

    /// Removes the temporary files whose process is gone (or is this one: under the lock, none
    /// of its writes is in flight). A kill or a failed write leaves them; nothing reads them.
    func sweepTemporaryFiles() {
        let me = getpid()
        for (file, owner) in temporaryFiles() where owner == me || !FileSystem.isAlive(owner) {
            unlink(path + "/" + file)
        }
    }

    // MARK: - Reading

    func generationPath(_ generation: Int) -> String {
        generations + "/" + Self.generationName(generation)
    }

    package static func generationName(_ generation: Int) -> String {
        let digits = String(generation)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    func relativeGeneration(_ generation: Int) -> String { ".railyard/main/" + Self.generationName(generation) }

    /// The generation `main` is at now.
    package var mainGeneration: Int {
        FileSystem.readLink(mainLink).flatMap { Int(($0 as NSString).lastPathComponent) } ?? 0
    }

    /// The labels that exist besides `main`.
    package func labels() -> [String] {
        FileSystem.list(path + "/label").filter { FileSystem.isDirectory(path + "/label/" + $0) }.sorted()
    }

    /// The folder holding a label's package files for a subdir.
    package func directory(label: String, subdir: String) -> String {
        label == "main" ? path + "/" + subdir : path + "/label/" + label + "/" + subdir
    }

    /// A label's repodata.json for a subdir (for `main`, in the given generation).
    func repodataPath(label: String, subdir: String, generation: Int? = nil) -> String {
        label == "main"
            ? generationPath(generation ?? mainGeneration) + "/" + subdir + "/repodata.json"
            : directory(label: label, subdir: subdir) + "/repodata.json"
    }

    package func subdirs(label: String, generation: Int? = nil) -> [String] {
        let base = label == "main" ? generationPath(generation ?? mainGeneration) : path + "/label/" + label
        return FileSystem.list(base).filter { FileSystem.exists(base + "/" + $0 + "/repodata.json") }.sorted()
    }

    /// Every subdir's repodata of a label; `main` is read from one generation, so it is
    /// consistent even while a promotion switches it.
    package func snapshot(label: String) throws(ChannelError) -> (generation: Int, subdirs: [String: Repodata]) {
        try Self.validate(label: label)
        let generation = mainGeneration
        var result: [String: Repodata] = [:]
        for subdir in subdirs(label: label, generation: generation) {
            let file = repodataPath(label: label, subdir: subdir, generation: generation)
            result[subdir] = try Repodata.read(try FileSystem.read(file), path: file)
        }
        return (generation, result)
    }

    /// Refuses a label name CEP 26 does not allow, or this folder layout cannot hold: it starts
    /// with a letter, then letters, digits, `_`, `-` and `.` (CEP 26 also allows `/`, which
    /// would nest folders here), at most 128 characters; not `nolabel` (reserved for packages
    /// without labels) nor a subdir's name. `main` is the top of the channel.
    static func validate(label: String) throws(ChannelError) {
        if label == "main" { return }
        let bytes = Array(label.utf8)
        func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }
        guard let first = bytes.first, isLetter(first), bytes.count <= 128, label != "nolabel",
            !Subdir.known.contains(label),
            bytes.allSatisfy({ byte in
                isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            })
        else { throw .badLabel(label) }
    }

    /// Where a file name is already published (main or any label) with different content.
    func conflict(for record: PackageRecord) throws(ChannelError) -> ChannelError? {
        for label in ["main"] + labels() {
            let folder = directory(label: label, subdir: record.subdir)
            guard FileSystem.exists(folder + "/" + record.fileName) else { continue }
            let file = repodataPath(label: label, subdir: record.subdir)
            guard FileSystem.exists(file) else { continue }
            if let existing = try Repodata.read(try FileSystem.read(file), path: file).records[record.fileName],
                existing.sha256 != record.sha256
            {
                return .republished(
                    file: "\(record.subdir)/\(record.fileName)", label: label, existing: existing.sha256,
                    given: record.sha256)
            }
        }
        return nil
    }

    // MARK: - Staging

    /// Checks that `packages` may be put on `label`: names safe, no file name published elsewhere
    /// with other content. Nothing is written.
    package func checkStaging(_ records: [PackageRecord], label: String) throws(ChannelError) {
        try Self.validate(label: label)
        guard label != "main" else { throw .badLabel(label) }
        for record in records {
            // What the reader checked, once more where a record enters a label.
            switch record.metadataProblem {
            case nil: break
            case .tooManySpecs(let field, let count):
                throw .package(.tooManySpecs(file: record.fileName, field: field, count: count))
            case .invalid(_, let message): throw .package(.badMetadata(file: record.fileName, message: message))
            }
            if let conflict = try conflict(for: record) { throw conflict }
        }
    }

    /// Puts package files on `label`, visible only once `commit` (the store recording them)
    /// has returned.
    ///
    /// Under the channel lock: every file is checked, the new ones are copied in durably but not
    /// yet listed (conda reads only what repodata lists), a staging journal names them, and then
    /// `commit` runs. If it throws, the new files are removed and nothing changed. Once it
    /// returns, each touched subdir's repodata is rewritten in one rename (and an empty `noarch`
    /// where there is none), and the journal goes. A crash in between leaves the journal:
    /// `recoverStaging` lists its files if the train owns them (the commit happened) and removes
    /// them otherwise, so no registered build lacks its files and no listed file lacks a train.
    /// A file already listed with the same content is left alone. Returns the records that were
    /// new.
    @discardableResult
    package func stage(
        _ packages: [(source: String, record: PackageRecord)], label: String, commit: () throws -> Void = {}
    ) throws -> [PackageRecord] {
        try create()
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        try checkStaging(packages.map(\.record), label: label)
        var new: [(source: String, record: PackageRecord)] = []
        for (source, record) in packages {
            let target = directory(label: label, subdir: record.subdir) + "/" + record.fileName
            let listed = try labelRepodata(label, record.subdir).records[record.fileName]
            if listed == record && FileSystem.fileSize(target) == record.size { continue }
            new.append((source, record))
        }
        let added = new.map(\.record)
        do {
            // The journal first: a crash during the copies leaves it, naming every file to undo.
            if !added.isEmpty {
                try FileSystem.makeDirectories(meta)
                try FileSystem.writeAtomically(
                    try JSONEncoder().encode(StagingJournal(label: label, records: added)), to: stagingJournalPath)
            }
            for (source, record) in new {
                let folder = directory(label: label, subdir: record.subdir)
                try FileSystem.makeDirectories(folder)
                try FileSystem.copy(source, to: folder + "/" + record.fileName)
            }
            try commit()
        } catch {
            for record in added {
                FileSystem.remove(directory(label: label, subdir: record.subdir) + "/" + record.fileName)
            }
            if !added.isEmpty { FileSystem.remove(stagingJournalPath) }
            throw error
        }
        try list(added, on: label)
        if !added.isEmpty { FileSystem.remove(stagingJournalPath) }
        return added
    }

    /// Lists `records` in their subdirs' repodata on `label` (and an empty `noarch` where there
    /// is none), each subdir in one rename.
    func list(_ records: [PackageRecord], on label: String) throws(ChannelError) {
        let touched = Dictionary(grouping: records, by: \.subdir)
        for subdir in Set(touched.keys).union(["noarch"]) {
            var repodata = try labelRepodata(label, subdir)
            for record in touched[subdir] ?? [] { repodata.records[record.fileName] = record }
            let folder = directory(label: label, subdir: subdir)
            try FileSystem.makeDirectories(folder)
            try writeIndex(repodata, into: folder)
        }
    }

    /// Files a staging copied in, not yet listed, while its commit was under way.
    struct StagingJournal: Codable {
        var label: String
        var records: [PackageRecord]
    }

    var stagingJournalPath: String { meta + "/staging.json" }

    /// Finishes what a crash left of a staging: the journal's files are listed when `owned`
    /// says the train registered them (its commit happened), and removed otherwise.
    package func recoverStaging(owned: (String, PackageRecord) throws -> Bool) throws {
        guard FileSystem.exists(stagingJournalPath) else { return }
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        guard FileSystem.exists(stagingJournalPath) else { return }
        guard
            let journal = try? JSONDecoder().decode(StagingJournal.self, from: try FileSystem.read(stagingJournalPath))
        else {
            throw ChannelError.badRepodata(path: stagingJournalPath, message: "the staging journal cannot be read")
        }
        var kept: [PackageRecord] = []
        for record in journal.records {
            let file = directory(label: journal.label, subdir: record.subdir) + "/" + record.fileName
            if try owned(journal.label, record) {
                kept.append(record)
            } else if try labelRepodata(journal.label, record.subdir).records[record.fileName] == nil {
                FileSystem.remove(file)
            }
        }
        try list(kept, on: journal.label)
        FileSystem.remove(stagingJournalPath)
    }

    private func labelRepodata(_ label: String, _ subdir: String) throws(ChannelError) -> Repodata {
        let file = directory(label: label, subdir: subdir) + "/repodata.json"
        guard FileSystem.exists(file) else { return Repodata(subdir: subdir) }
        return try Repodata.read(try FileSystem.read(file), path: file)
    }

    // MARK: - Index files

    /// The index files Railyard writes in every subdir of every label, in the order it writes
    /// them: `repodata.json.zst` (what conda, mamba, pixi and rattler ask for first) and
    /// `repodata.json`. On `main` both are in the generation, and switch together.
    package static let indexFiles = ["repodata.json.zst", "repodata.json"]

    /// Writes a subdir's index files into `folder`, each in one rename, and flushes the folder.
    func writeIndex(_ repodata: Repodata, into folder: String) throws(ChannelError) {
        let json = repodata.encoded()
        try FileSystem.writeAtomically(try Zstd.compress(json), to: folder + "/repodata.json.zst")
        try FileSystem.writeAtomically(json, to: folder + "/repodata.json")
        try FileSystem.sync(folder)
    }

    // MARK: - Linking subdirs of main

    /// Makes each index file `DIR/SUBDIR/NAME` a link to `../.main/SUBDIR/NAME` for each subdir
    /// (replacing a file of its own in one rename; a subdir the current generation lacks yet has
    /// dangling links, which conda reads as absent).
    func linkSubdirs(_ subdirs: some Sequence<String>) throws(ChannelError) {
        for subdir in subdirs {
            let folder = path + "/" + subdir
            try FileSystem.makeDirectory(folder)
            var changed = false
            for name in Self.indexFiles {
                let link = folder + "/" + name
                let target = "../.main/" + subdir + "/" + name
                if FileSystem.readLink(link) == target { continue }
                try FileSystem.replaceSymlink(link, target: target)
                changed = true
            }
            if changed { try FileSystem.sync(folder) }
        }
    }
}
