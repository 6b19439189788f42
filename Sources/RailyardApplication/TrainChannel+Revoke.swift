import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

extension TrainChannel {
    /// What `channel revoke` would do: the files `main` loses, and how the last release's solves
    /// fare without them.
    package struct RevocationPlan: Sendable {
        /// Each file as `main` lists it.
        package var files: [(subdir: String, record: PackageRecord)]
        /// The newest released train, whose installs are checked; nil when none was released.
        package var lastRelease: String?
        /// The solves of the last release that were checked, by name.
        package var solves: [String]
        /// Each solve the revocation changes.
        package var changes: [SolveChange]
        /// The solver and its version, when it ran.
        package var solver: String?
        /// Why the solver did not run, when it did not.
        package var notRun: String?
        /// Why the revocation may not go without `--force` (empty: it may).
        package var refusals: [String]
        /// `main`'s generation the plan was made against.
        package var generation: Int
    }

    /// Finds each named file on `main`: `SUBDIR/FILE`, or a `FILE` only one subdir lists.
    static func resolve(_ names: [String], on main: [String: Repodata]) throws(ChannelError) -> [(
        subdir: String, record: PackageRecord
    )] {
        var found: [(subdir: String, record: PackageRecord)] = []
        var seen = Set<String>()
        for name in names {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let hit: (String, PackageRecord)
            if parts.count == 2 {
                guard let record = main[parts[0]]?.records[parts[1]] else { throw .notOnMain(file: name) }
                hit = (parts[0], record)
            } else if parts.count == 1 {
                let subdirs = main.keys.sorted().filter { main[$0]?.records[name] != nil }
                guard let subdir = subdirs.first else { throw .notOnMain(file: name) }
                guard subdirs.count == 1 else { throw .ambiguousFile(file: name, subdirs: subdirs) }
                hit = (subdir, main[subdir]!.records[name]!)
            } else {
                throw .notOnMain(file: name)
            }
            if seen.insert("\(hit.0)/\(hit.1.fileName)").inserted { found.append(hit) }
        }
        return found
    }

    /// The newest released train: the one whose release was recorded last.
    func lastRelease() throws -> Train? {
        var newest: (train: Train, at: Date)?
        for summary in try store.trains() where summary.stage == .released {
            let train = try store.train(summary.version, exact: true)
            let at = train.history.last { $0.stage == .released }?.at ?? train.createdAt
            if newest.map({ at > $0.at }) ?? true { newest = (train, at) }
        }
        return newest?.train
    }

    /// The dry run of `channel revoke`: the files, and the last release's solves against `main`
    /// as it is and as it would be without them.
    package func planRevocation(_ names: [String]) throws -> RevocationPlan {
        try recover()
        let main = try channel.snapshot(label: "main")
        let files = try Self.resolve(names, on: main.subdirs)
        var plan = RevocationPlan(
            files: files, lastRelease: nil, solves: [], changes: [], solver: nil, notRun: nil, refusals: [],
            generation: main.generation)
        guard let release = try lastRelease() else { return plan }
        plan.lastRelease = release.name
        let solves = release.installSolves()
        plan.solves = solves.map(\.name)
        guard !solves.isEmpty else { return plan }
        let rules = release.solving ?? SolvingRules()
        let before = main.subdirs.mapValues(\.records)
        var after = before
        for file in files { after[file.subdir]?[file.record.fileName] = nil }
        let was = try judge(solves, on: before, train: release, rules: rules)
        let now = try judge(solves, on: after, train: release, rules: rules)
        if let solver = was.solver, now.solver != nil {
            plan.solver = solver
            plan.changes = SolveChange.changes(before: was.reports, after: now.reports)
        } else {
            let detail = (was.solver == nil ? was : now).check.detail
            plan.notRun = String(detail.dropFirst("not run: ".count).prefix { $0 != ";" })
        }
        plan.refusals = Revocation.refusals(plan.changes, notRun: plan.notRun, onUnavailable: rules.onUnavailable)
        return plan
    }

    /// `channel revoke --yes`: refused when the plan has refusals (unless `force`) or `main`
    /// moved since `expectGeneration`; otherwise `main` loses the files in one change of its
    /// generation, recorded in the channel's log with who and why before the switch, and the
    /// files move to the `broken` label.
    package func revoke(
        _ names: [String], reason: String, force: Bool, expectGeneration: Int?, by actor: Actor, at time: Date
    ) throws -> (plan: RevocationPlan, generation: Int) {
        let release = try lastRelease()
        do {
            try Revocation.requireReleaseManager(actor, of: release)
        } catch {
            throw StoreError.rejected(error)
        }
        let plan = try planRevocation(names)
        if let expectGeneration, expectGeneration != plan.generation {
            throw ChannelError.mainChanged(expected: expectGeneration, actual: plan.generation)
        }
        if !plan.refusals.isEmpty && !force { throw ChannelError.revocationRefused(reasons: plan.refusals) }
        let change = "revoke-\(UUID().uuidString.lowercased())"
        let keys = plan.files.map { "\($0.subdir)/\($0.record.fileName)" }
        let detail = JSONValue.object([
            "files": .array(
                plan.files.map { file in
                    .object([
                        "subdir": .string(file.subdir), "file": .string(file.record.fileName),
                        "sha256": .string(file.record.sha256),
                    ])
                }),
            "last_release": plan.lastRelease.map(JSONValue.string) ?? .null,
            "solver": plan.solver.map(JSONValue.string) ?? .null,
            "not_run": plan.notRun.map(JSONValue.string) ?? .null,
            "changes": .array(plan.changes.map { .string("\($0.name): \($0.changes.joined(separator: "; "))") }),
            "forced_past": .array(force ? plan.refusals.map(JSONValue.string) : []),
        ])
        let store = self.store
        let generation = try channel.revoke(
            keys, change: change, expectGeneration: plan.generation, committed: isCommitted,
            commit: {
                try store.recordChannelChange(
                    ChannelLogEntry(
                        change: change, at: time, actor: actor.name, action: "revoke",
                        fromGeneration: plan.generation, toGeneration: plan.generation + 1, reason: reason,
                        detail: detail))
            })
        return (plan, generation)
    }
}
