import Foundation
import RailyardCore

/// Where a promotion moves a train's files: the local channel's `main`, switched all at once, or
/// anaconda.org, in a journaled sequence. Each carries out what the core's `PromotionPlan`
/// decided and calls `commit` — the store recording the release — at the moment the move counts
/// as done; none knows the store.
package protocol PromotionTarget: Sendable {
    /// Carries out `plan` from the train's staging `label` of `channel`. `main` is the local
    /// `main` the plan was made against; `resume` goes on from where an interrupted move stopped
    /// (a target that keeps a journal); `committed(train)` says whether a move a crash left was
    /// recorded. Returns `main`'s generation after the move, for a target that has generations.
    func move(
        _ plan: PromotionPlan, of train: String, from label: String, in channel: LocalChannel,
        main: (generation: Int, subdirs: [String: Repodata]), resume: Bool,
        committed: (String?) throws -> Bool, progress: ((Int, Int) -> Void)?, commit: () throws -> Void
    ) throws -> Int?

    /// Whether a move of `train` was left in flight (a journal kept for `resume`).
    func inFlight(_ train: String) -> Bool

    /// Forgets the journal of a move whose every step was done and recorded.
    func forgetJournal(of train: String)
}

/// The local channel's `main`: the move links every gained file into a new generation and
/// switches to it in one rename, if `main` is still at `expectGeneration` (when given).
package struct LocalMain: PromotionTarget {
    package var expectGeneration: Int?
    /// When the gained files enter main: their records' `indexed_timestamp` (CEP 47). nil: now.
    package var indexedAt: Date?

    package init(expectGeneration: Int? = nil, indexedAt: Date? = nil) {
        self.expectGeneration = expectGeneration
        self.indexedAt = indexedAt
    }

    package func move(
        _ plan: PromotionPlan, of train: String, from label: String, in channel: LocalChannel,
        main: (generation: Int, subdirs: [String: Repodata]), resume: Bool,
        committed: (String?) throws -> Bool, progress: ((Int, Int) -> Void)?, commit: () throws -> Void
    ) throws -> Int? {
        if let expectGeneration, expectGeneration != main.generation {
            throw ChannelError.mainChanged(expected: expectGeneration, actual: main.generation)
        }
        var sources: [String: String] = [:]
        var gained: Set<String> = []
        for (subdir, records) in plan.gains {
            for record in records {
                sources[subdir + "/" + record.fileName] =
                    channel.directory(label: label, subdir: subdir) + "/" + record.fileName
                gained.insert(subdir + "/" + record.fileName)
            }
        }
        // Each file entering main is stamped with the moment it does (CEP 47), by the channel.
        let indexed = Int((indexedAt ?? Date()).timeIntervalSince1970 * 1000)
        var future: [String: Repodata] = [:]
        for (subdir, records) in plan.future {
            var stamped = records
            for (fileName, record) in records where gained.contains(subdir + "/" + fileName) {
                var record = record
                record.indexedTimestamp = indexed
                stamped[fileName] = record
            }
            future[subdir] =
                main.subdirs[subdir]?.replacing(records: stamped) ?? Repodata(subdir: subdir, records: stamped)
        }
        return try channel.publishMain(
            future, sources: sources, expectGeneration: main.generation, train: train, committed: committed,
            progress: progress, commit: commit)
    }

    /// A local move finishes or rolls back by itself: nothing is left to resume.
    package func inFlight(_ train: String) -> Bool { false }

    package func forgetJournal(of train: String) {}
}

extension AnacondaBackend: PromotionTarget {
    /// The journaled sequence of anaconda-client calls: every gained file uploaded to the staging
    /// label at anaconda.org, then copied to main, the core first; `commit` once the last is done.
    package func move(
        _ plan: PromotionPlan, of train: String, from label: String, in channel: LocalChannel,
        main: (generation: Int, subdirs: [String: Repodata]), resume: Bool,
        committed: (String?) throws -> Bool, progress: ((Int, Int) -> Void)?, commit: () throws -> Void
    ) throws -> Int? {
        let staged = try channel.snapshot(label: label).subdirs
        // The core's files first, then the members': a user never gets a member without its core.
        try run(
            train: train, steps: Self.steps(for: plan, order: plan.packages), resume: resume, label: label,
            source: { file in channel.path + "/label/" + label + "/" + file },
            record: { file in
                let parts = file.split(separator: "/").map(String.init)
                return parts.count == 2 ? staged[parts[0]]?.records[parts[1]] : nil
            },
            progress: progress, commit: commit)
        return nil
    }
}
