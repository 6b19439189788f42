import Foundation
import RailyardCore

#if canImport(Glibc)
    import Glibc
#endif

/// A change of `main` in flight, written before anything else and removed last.
struct Journal: Codable, Equatable {
    enum State: String, Codable {
        /// The new generation is being built: a crash rolls it back.
        case preparing
        /// The new generation is complete; whether it goes live depends on the commit (the
        /// train recorded `released`): a crash rolls forward if it was committed, back if not.
        case prepared
    }

    /// The train being promoted; nil for a re-index or a revocation.
    var train: String?
    /// A change that is no train's (a revocation): the id its commit records in the store.
    var change: String? = nil
    var from: Int
    var to: Int
    var state: State
    /// The files linked into main's folders (`SUBDIR/FILE`): removed again by a roll back.
    var added: [String]
    /// The files taken off main (`SUBDIR/FILE`): once the new generation is live, they move to
    /// the `broken` label and leave main's folders.
    var revoked: [String]? = nil
}

/// What recovery did with a change a crash left in flight.
package enum Recovery: Sendable, Equatable, CustomStringConvertible {
    case rolledBack(train: String?, generation: Int)
    case rolledForward(train: String?, generation: Int)

    package var description: String {
        switch self {
        case .rolledBack(let train, let generation):
            "an interrupted change of main\(train.map { " (train \($0))" } ?? "") was rolled back; main stays at generation \(generation)"
        case .rolledForward(let train, let generation):
            "an interrupted change of main\(train.map { " (train \($0))" } ?? "") was finished; main is at generation \(generation)"
        }
    }
}

extension LocalChannel {
    /// Finishes or rolls back a change of `main` that a crash left in flight, as its journal
    /// says: a generation still being built is removed; a prepared one goes live if
    /// `committed(train)` (the release is recorded), and is removed otherwise.
    @discardableResult
    package func recover(committed: (String?) throws -> Bool) throws -> Recovery? {
        guard FileSystem.exists(journalPath) else { return nil }
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recoverLocked(committed: committed)
    }

    func recoverLocked(committed: (String?) throws -> Bool) throws -> Recovery? {
        guard FileSystem.exists(journalPath) else { return nil }
        let data = try FileSystem.read(journalPath)
        guard let journal = try? JSONDecoder().decode(Journal.self, from: data) else {
            throw ChannelError.badRepodata(path: journalPath, message: "the promotion journal cannot be read")
        }
        let current = mainGeneration
        if current == journal.to {
            try finish(journal)
            return .rolledForward(train: journal.train, generation: journal.to)
        }
        if journal.state == .prepared, try committed(journal.train ?? journal.change) {
            try FileSystem.replaceSymlink(mainLink, target: relativeGeneration(journal.to))
            try FileSystem.sync(path)
            try finish(journal)
            return .rolledForward(train: journal.train, generation: journal.to)
        }
        for file in journal.added { FileSystem.remove(path + "/" + file) }
        FileSystem.remove(generationPath(journal.to))
        FileSystem.remove(journalPath)
        return .rolledBack(train: journal.train, generation: current)
    }

    /// What is left once the new generation is live: revoked files go to `broken`, then the
    /// journal and the old generation go. Each step may be done again after a crash.
    private func finish(_ journal: Journal) throws {
        if let revoked = journal.revoked, !revoked.isEmpty {
            try moveToBroken(revoked, listedIn: journal.from)
        }
        FileSystem.remove(journalPath)
        FileSystem.remove(generationPath(journal.from))
    }

    /// The label revoked files move to, as on conda-forge: off main, never deleted.
    package static let brokenLabel = "broken"

    /// Links each revoked file (`SUBDIR/FILE`) into the `broken` label and lists it there with
    /// its record from generation `from`, then removes it from main's folder, which no longer
    /// lists it.
    private func moveToBroken(_ files: [String], listedIn from: Int) throws {
        var records: [PackageRecord] = []
        var folders = Set<String>()
        for key in files {
            let subdir = String(key.prefix { $0 != "/" })
            let name = String(key.dropFirst(subdir.count + 1))
            let listing = generationPath(from) + "/" + subdir + "/repodata.json"
            let repodata = try Repodata.read(try FileSystem.read(listing), path: listing)
            guard let record = repodata.records[name] else { continue }
            let folder = directory(label: Self.brokenLabel, subdir: subdir)
            try FileSystem.makeDirectories(folder)
            let destination = folder + "/" + name
            if !FileSystem.exists(destination), FileSystem.exists(path + "/" + key) {
                try FileSystem.link(path + "/" + key, destination)
            }
            folders.insert(folder)
            records.append(record)
        }
        for folder in folders { try FileSystem.sync(folder) }
        try list(records, on: Self.brokenLabel)
        for key in files { FileSystem.remove(path + "/" + key) }
    }

    /// Takes `files` (`SUBDIR/FILE`) off `main` in one change of its generation, as a promotion
    /// makes one: refused unless main is still at `expectGeneration`; `commit` records the
    /// change under `change` (the channel's audit log) before the switch. Once live, each file
    /// moves to the `broken` label. Returns the new generation.
    package func revoke(
        _ files: [String], change: String, expectGeneration: Int, committed: (String?) throws -> Bool,
        commit: () throws -> Void
    ) throws -> Int {
        try create()
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        try recoverLocked(committed: committed)
        let main = try snapshot(label: "main")
        guard main.generation == expectGeneration else {
            throw ChannelError.mainChanged(expected: expectGeneration, actual: main.generation)
        }
        var future = main.subdirs
        for key in files {
            let subdir = String(key.prefix { $0 != "/" })
            let name = String(key.dropFirst(subdir.count + 1))
            guard future[subdir]?.records.removeValue(forKey: name) != nil else {
                throw ChannelError.notOnMain(file: key)
            }
        }
        return try publishLocked(
            future, sources: [:], expectGeneration: expectGeneration, train: nil, change: change, revoked: files,
            committed: committed, progress: nil, commit: commit)
    }

    /// Makes `subdirs` the new `main` all at once.
    ///
    /// Under the channel lock: recovers what a crash left, checks that main is still at
    /// `expectGeneration`, writes the next generation's repodata beside the current one, links
    /// each file of `sources` (keyed `SUBDIR/FILE`) into main's folders, flushes everything, marks
    /// the journal prepared, runs `commit` (the store records the release; if it throws,
    /// everything new is removed), and switches `.main` in one rename. `progress` is told files
    /// linked so far.
    @discardableResult
    package func publishMain(
        _ subdirs: [String: Repodata],
        sources: [String: String],
        expectGeneration: Int,
        train: String?,
        committed: (String?) throws -> Bool,
        progress: ((Int, Int) -> Void)? = nil,
        commit: () throws -> Void
    ) throws -> Int {
        try create()
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try publishLocked(
            subdirs, sources: sources, expectGeneration: expectGeneration, train: train,
            committed: committed, progress: progress, commit: commit)
    }

    func publishLocked(
        _ subdirs: [String: Repodata],
        sources: [String: String],
        expectGeneration: Int,
        train: String?,
        change: String? = nil,
        revoked: [String]? = nil,
        committed: (String?) throws -> Bool,
        progress: ((Int, Int) -> Void)?,
        commit: () throws -> Void
    ) throws -> Int {
        try recoverLocked(committed: committed)
        let from = mainGeneration
        guard from == expectGeneration else { throw ChannelError.mainChanged(expected: expectGeneration, actual: from) }
        let to = from + 1
        let target = generationPath(to)
        FileSystem.remove(target)
        let added = sources.keys.sorted()
        var journal = Journal(
            train: train, change: change, from: from, to: to, state: .preparing, added: added, revoked: revoked)
        try FileSystem.writeAtomically(try JSONEncoder().encode(journal), to: journalPath)
        try FileSystem.sync(meta)

        var all = subdirs
        if all["noarch"] == nil { all["noarch"] = Repodata(subdir: "noarch") }
        try FileSystem.makeDirectory(target)
        for (subdir, repodata) in all.sorted(by: { $0.key < $1.key }) {
            try FileSystem.makeDirectory(target + "/" + subdir)
            try writeIndex(repodata, into: target + "/" + subdir)
        }
        try FileSystem.sync(target)
        var touched = Set<String>()
        for (done, key) in added.enumerated() {
            let subdir = String(key.prefix { $0 != "/" })
            if touched.insert(subdir).inserted { try FileSystem.makeDirectory(path + "/" + subdir) }
            let destination = path + "/" + key
            FileSystem.remove(destination)
            try FileSystem.link(sources[key]!, destination)
            if done % 1000 == 999 { progress?(done + 1, added.count) }
        }
        for subdir in touched { try FileSystem.sync(path + "/" + subdir) }
        try linkSubdirs(all.keys)
        journal.state = .prepared
        try FileSystem.writeAtomically(try JSONEncoder().encode(journal), to: journalPath)
        progress?(added.count, added.count)

        do {
            try commit()
        } catch {
            for key in added { FileSystem.remove(path + "/" + key) }
            FileSystem.remove(target)
            FileSystem.remove(journalPath)
            throw error
        }
        try FileSystem.replaceSymlink(mainLink, target: relativeGeneration(to))
        try FileSystem.sync(path)
        try finish(journal)
        return to
    }
}
