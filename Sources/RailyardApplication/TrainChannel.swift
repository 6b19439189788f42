import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

/// A train and its channel together: staging builds, registering RCs and promoting, in the
/// order that keeps both true. Every rule comes from the core (`Train.decide`,
/// `Train.promotionPlan`); this type only reads, checks before writing, and carries out.
package struct TrainChannel: Sendable {
    package let store: Store
    package let channel: LocalChannel
    /// The solver the promotion, `channel patches` and `channel revoke` ask.
    package let solver: any InstallSolver

    package init(store: Store, channel: LocalChannel, solver: any InstallSolver = RattlerSolver()) {
        self.store = store
        self.channel = channel
        self.solver = solver
    }

    /// The name of the solver's check in a promotion's dry run.
    package static let solverCheck = "a real solver installs what users will type from the future main"

    /// The staging label of a train.
    package static func label(of train: String) -> String { "train-\(train)" }

    /// What `stage` did for one package.
    package struct Staged: Sendable {
        package var package: String
        package var artifacts: [Artifact]
        /// nil when the same files were staged already: nothing changed.
        package var outcome: CommandOutcome?
    }

    /// Whether a change of `main` made for `train` was committed: the train's release was
    /// recorded (a change for no train, such as an index, is committed once written).
    package func isCommitted(_ train: String?) throws -> Bool {
        guard let train else { return true }
        // A revocation is committed once the channel's log holds it (no train's name starts so).
        if train.hasPrefix("revoke-") { return try store.channelChangeRecorded(train) }
        return try store.train(train).stage == .released
    }

    /// Finishes or rolls back what a crash left in flight: a change of `main`, and a staging
    /// whose files were copied in but not yet listed.
    @discardableResult
    package func recover() throws -> Recovery? {
        try channel.recoverStaging(owned: owns)
        return try channel.recover(committed: isCommitted)
    }

    /// Whether the train of `label` registered `record`: an RC's file or a member's build's.
    package func owns(_ label: String, _ record: PackageRecord) throws -> Bool {
        guard label.hasPrefix("train-") else { return false }
        let train: Train
        do {
            train = try store.train(String(label.dropFirst("train-".count)))
        } catch {
            // No such train owns nothing; any other failure must not be read as "not owned".
            if case .unknownTrain = error { return false }
            throw error
        }
        let artifact = Artifact(record)
        return (train.rcArtifacts ?? []).contains(artifact)
            || train.members.contains { ($0.build?.artifacts ?? []).contains(artifact) }
    }

    /// How often a staging decides again when another change of the train came first.
    static let attempts = 3

    /// `channel index`: every label's repodata from the package files present.
    package func index(progress: ((Int, Int) -> Void)? = nil) throws -> IndexSummary {
        try channel.index(committed: isCommitted, progress: progress)
    }

    /// Reads package files, refusing the first that is not a sound conda package.
    package static func read(_ files: [String]) throws(ChannelError) -> [(source: String, record: PackageRecord)] {
        var result: [(String, PackageRecord)] = []
        for file in files {
            do {
                result.append((file, try PackageReader.read(path: file)))
            } catch {
                throw .package(error)
            }
        }
        return result
    }

    /// Puts builds of members on the train's staging label and registers them: every file is
    /// read and every rule checked before anything is written; the same files staged again
    /// change nothing; files of the registered build's version for other subdirs are added to it.
    ///
    /// Every registration is decided against the train at one revision and recorded in one
    /// transaction against that revision, while the channel's lock holds the new files
    /// unlisted: they become visible only once recorded. When another change of the train came
    /// first, it is decided again against the new state (a rule may then refuse it).
    package func stage(files: [String], train version: String, by actor: Actor, at time: Date) throws -> [Staged] {
        try stage(try Self.read(files), train: version, by: actor, at: time)
    }

    /// `stage(files:)` for package files already read.
    package func stage(
        _ packages: [(source: String, record: PackageRecord)], train version: String, by actor: Actor, at time: Date
    ) throws -> [Staged] {
        try recover()
        // The train's own name: `2.1.0` may mean its newest train, `2.1.0-2`.
        let version = try store.train(version).name
        for attempt in 1...Self.attempts {
            let train = try store.train(version)
            let decided = try decideStaging(packages, on: train, by: actor, at: time)
            try channel.checkStaging(packages.map(\.record), label: Self.label(of: version))
            var outcomes: [CommandOutcome] = []
            do {
                try channel.stage(packages, label: Self.label(of: version)) {
                    outcomes = try store.execute(
                        all: decided.compactMap(\.command), on: version, by: actor, at: time,
                        expectRevision: train.revision)
                }
            } catch StoreError.staleRevision where attempt < Self.attempts {
                continue
            }
            var recorded = outcomes.makeIterator()
            return decided.map { item in
                Staged(
                    package: item.name, artifacts: item.artifacts, outcome: item.command == nil ? nil : recorded.next())
            }
        }
        preconditionFailure("the last attempt returns or throws")
    }

    /// The registration each member's files make, decided in plan order against the train as
    /// the ones before leave it; nil for files that are the member's registered build already.
    private func decideStaging(
        _ packages: [(source: String, record: PackageRecord)], on train: Train, by actor: Actor, at time: Date
    ) throws -> [(name: String, command: TrainCommand?, artifacts: [Artifact])] {
        var train = train
        let version = train.name
        var groups: [String: [(source: String, record: PackageRecord)]] = [:]
        for package in packages {
            let record = package.record
            if record.name == train.core {
                throw ChannelError.coreGoesThroughRC(file: record.fileName, core: train.core)
            }
            guard train.member(record.name) != nil else {
                throw ChannelError.notInTrain(file: record.fileName, package: record.name, train: version)
            }
            groups[record.name, default: []].append(package)
        }
        var decided: [(name: String, command: TrainCommand?, artifacts: [Artifact])] = []
        for member in train.members where groups[member.name] != nil {
            let group = groups[member.name]!
            let versions = Set(group.map(\.record.version))
            guard versions.count == 1, let buildVersion = group[0].record.parsedVersion else {
                throw ChannelError.mixedVersions(package: member.name, versions: versions.sorted())
            }
            var artifacts = group.map { Artifact($0.record, keys: train.variantRules?.keys ?? []) }
            var depends: [String] = []
            var seen = Set<String>()
            // A build is every file of its version: more files join it (another variant, another
            // subdir, a new build number), and none is dropped. A file of the same name with
            // other content is refused by the label before this.
            let joining = member.build.flatMap { $0.version == buildVersion ? $0 : nil }
            if let joining {
                let names = Set(artifacts.map(\.description))
                artifacts += (joining.artifacts ?? []).filter { !names.contains($0.description) }
                for spec in member.depends where seen.insert(spec).inserted { depends.append(spec) }
            }
            artifacts.sort { $0.description < $1.description }
            if let joining, Set(joining.artifacts ?? []) == Set(artifacts) {
                decided.append((member.name, nil, artifacts))
                continue
            }
            // The specs of all the build's files, each once, in order (a set: linear in the count).
            for record in group.map(\.record) {
                for spec in record.depends where seen.insert(spec).inserted { depends.append(spec) }
            }
            let command = TrainCommand.registerBuild(
                member: member.name, version: buildVersion, depends: depends, artifacts: artifacts)
            switch train.decide(command, by: actor, at: time) {
            case .success(let events): train.apply(events, by: actor, at: time)
            case .failure(let rejection): throw StoreError.rejected(rejection)
            }
            decided.append((member.name, command, artifacts))
        }
        return decided
    }

    /// Puts the core's RC files on the staging label and registers RC `number` with them.
    package func registerRC(
        number: Int, files: [String], train version: String, by actor: Actor, at time: Date,
        expectRevision: Int? = nil, idempotency: IdempotencyKey? = nil
    ) throws -> CommandOutcome {
        try registerRC(
            number: number, packages: try Self.read(files), train: version, by: actor, at: time,
            expectRevision: expectRevision, idempotency: idempotency)
    }

    /// `registerRC(files:)` for package files already read.
    package func registerRC(
        number: Int, packages: [(source: String, record: PackageRecord)], train version: String, by actor: Actor,
        at time: Date, expectRevision: Int? = nil, idempotency: IdempotencyKey? = nil
    ) throws -> CommandOutcome {
        try recover()
        let train = try store.train(version)
        let version = train.name
        for package in packages {
            let record = package.record
            guard record.name == train.core, record.parsedVersion == train.version else {
                throw ChannelError.notTheCore(file: record.fileName, expected: "\(train.core) \(train.version)")
            }
        }
        let artifacts = packages.map { Artifact($0.record, keys: train.variantRules?.keys ?? []) }.sorted {
            $0.description < $1.description
        }
        let command = TrainCommand.registerRC(number: number, artifacts: artifacts)
        if case .failure(let rejection) = train.decide(command, by: actor, at: time) {
            throw StoreError.rejected(rejection)
        }
        try channel.checkStaging(packages.map(\.record), label: Self.label(of: version))
        // The files become visible only once the RC is recorded, against the revision decided on.
        var outcome: CommandOutcome? = nil
        try channel.stage(packages, label: Self.label(of: version)) {
            outcome = try store.execute(
                command, on: version, by: actor, at: time, expectRevision: expectRevision ?? train.revision,
                idempotency: idempotency)
        }
        return outcome!
    }

    /// The dry run of a promotion: the diff and every check, against `main` as it is now.
    /// With `solving` false the solver is not asked (for a view that shows no solves, such as
    /// the matrix): a dry run always asks it.
    package func plan(train version: String, solving: Bool = true) throws -> (plan: PromotionPlan, generation: Int) {
        let (plan, generation, _) = try planWithMain(train: version, solving: solving)
        return (plan, generation)
    }

    private func planWithMain(train version: String, solving: Bool = true) throws
        -> (PromotionPlan, Int, [String: Repodata])
    {
        try recover()
        let train = try store.train(version)
        let main = try channel.snapshot(label: "main")
        let label = Self.label(of: train.name)
        let staged =
            channel.labels().contains(label) ? try channel.snapshot(label: label).subdirs : [:]
        var plan = train.promotionPlan(main: main.subdirs.mapValues(\.records), staged: staged.mapValues(\.records))
        // A catalog with no `solver:` section gets the defaults: the check runs, failing closed.
        if solving {
            try solveInstalls(
                &plan, main: main.subdirs.mapValues(\.records), train: train, rules: train.solving ?? SolvingRules())
        }
        return (plan, main.generation, main.subdirs)
    }

    /// Asks the solver whether the future `main` (with the catalog's `solve_with` channels)
    /// installs what users will type, and adds its verdict to the plan's checks: every solve
    /// must succeed and pick the train's versions and the cell's build; with no solver, the
    /// verdict is "not run" and the catalog's `on_unavailable` decides. What users type with no
    /// version is solved against `main` now and the future `main`: none may get older (a patch
    /// train after the next minor), and each change is listed.
    private func solveInstalls(
        _ plan: inout PromotionPlan, main: LabelRecords, train: Train, rules: SolvingRules
    ) throws {
        let solves = train.installSolves()
        guard !solves.isEmpty else { return }
        let unpinned = train.unpinnedSolves()
        var judged = try judge(solves, also: unpinned, on: plan.future, train: train, rules: rules)
        plan.solves = judged.reports + judged.also
        if judged.ran, !unpinned.isEmpty {
            let before = try judge([], also: unpinned, on: main, train: train, rules: rules)
            if before.ran {
                plan.changes = SolveChange.changes(before: before.also, after: judged.also)
                let steps = Train.backwardSteps(before: before.also, after: judged.also)
                if !steps.isEmpty {
                    judged.check.detail =
                        (judged.check.ok ? "" : judged.check.detail + "; ")
                        + "what users get with no version would get older: " + steps.joined(separator: "; ")
                    judged.check.ok = false
                }
            }
        }
        plan.checks.append(judged.check)
    }

    /// A verdict of the solver on a set of solves.
    package struct Judgement: Sendable {
        /// Passed, or failed naming each problem; or "not run", passing as the catalog chose.
        package var check: GateCheck
        /// Each solve as answered (empty when the solver did not run).
        package var reports: [SolveReport]
        /// The solves asked besides, answered but not judged: ok when the solver found a solution.
        package var also: [SolveReport] = []
        /// The solver's name and version, when it ran.
        package var solver: String?
        package var ran: Bool { solver != nil }
    }

    /// Solves `solves` against `future` as a channel (with the rules' `solve_with` after it)
    /// and judges each answer by the core's rules (`PlannedSolve.problem`); `also` are answered
    /// in the same run and returned unjudged.
    package func judge(
        _ solves: [PlannedSolve], also: [PlannedSolve] = [], on future: LabelRecords, train: Train,
        rules: SolvingRules
    ) throws -> Judgement {
        let name = Self.solverCheck
        // The future main as a channel of repodata alone: what a solver reads.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "railyard-future-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for subdir in Set(future.keys).union(["noarch"]).union((solves + also).map(\.subdir)) {
            let directory = folder.appendingPathComponent(subdir)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Repodata(subdir: subdir, records: future[subdir] ?? [:]).encoded()
                .write(to: directory.appendingPathComponent("repodata.json"))
        }
        let channels =
            [folder.absoluteURL.absoluteString]
            + rules.solveWith.map { $0.contains("://") ? $0 : URL(fileURLWithPath: $0).absoluteURL.absoluteString }
        switch solver.solve(solves + also, channels: channels) {
        case .unavailable(let reason):
            return Judgement(
                check: GateCheck(
                    name: name, ok: rules.onUnavailable == .failOpen,
                    detail: "not run: \(reason); the catalog's choice when no solver can run: "
                        + rules.onUnavailable.rawValue
                        + (rules.onUnavailable == .failClosed
                            ? " (install py-rattler: pip install py-rattler, or set RAILYARD_PYTHON to a python that has"
                                + " it; or choose solver.on_unavailable: fail-open in the catalog)" : "")),
                reports: [], solver: nil)
        case .answered(let solver, let results):
            var problems: [String] = []
            let answeredAlso = zip(also, results.dropFirst(solves.count)).map { solve, result in
                SolveReport(
                    solve, ok: result.ok, picked: result.packages,
                    problem: result.ok
                        ? nil : "\(solve.name): cannot be installed: \(result.error ?? "no reason given")",
                    seconds: result.seconds, peakMemoryBytes: result.peakMemoryBytes)
            }
            let reports = zip(solves, results).map { solve, result in
                let problem = solve.problem(
                    picked: result.ok ? result.packages : nil, error: result.error, core: train.core, future: future)
                if let problem { problems.append(problem) }
                return SolveReport(
                    solve, ok: problem == nil, picked: result.packages, problem: problem, seconds: result.seconds,
                    peakMemoryBytes: result.peakMemoryBytes)
            }
            let shown = problems.prefix(5).joined(separator: "; ")
            return Judgement(
                check: GateCheck(
                    name: name, ok: problems.isEmpty,
                    detail: problems.isEmpty
                        ? "\(solves.count) solves by \(solver): each installs the train's versions"
                        : shown + (problems.count > 5 ? "; and \(problems.count - 5) more" : "")),
                reports: reports, also: answeredAlso, solver: solver)
        }
    }

    /// Whether `proposals`, applied to the future `main` (the train's files added; `main` itself
    /// once released), leave every solve of the train as it was: each solve that installs
    /// without them must still install with them. Patches the train's solves do not need are
    /// checked with them all the same; nil when there is nothing to check.
    package func checkPatches(_ proposals: [PatchProposal], train version: String) throws -> PatchCheck? {
        guard !proposals.isEmpty else { return nil }
        let (plan, _, _) = try planWithMain(train: version, solving: false)
        let train = try store.train(version)
        let solves = train.installSolves()
        guard !solves.isEmpty else { return nil }
        let rules = train.solving ?? SolvingRules()
        var patched = plan.future
        for proposal in proposals {
            patched[proposal.subdir]?[proposal.fileName]?.depends = proposal.depends
        }
        let after = try judge(solves, on: patched, train: train, rules: rules)
        guard let solver = after.solver else {
            return PatchCheck(
                verdict: .notRun, solver: nil, solves: solves.map(\.name), broken: [],
                detail: String(after.check.detail.dropFirst("not run: ".count)))
        }
        // A solve that fails without the patches too is not the patches' doing.
        var before: [String: Bool] = [:]
        if after.reports.contains(where: { !$0.ok }) {
            let unpatched = try judge(solves, on: plan.future, train: train, rules: rules)
            for report in unpatched.reports { before[report.name] = report.ok }
        }
        let broken = after.reports.filter { !$0.ok && before[$0.name] != false }.map { $0.problem ?? $0.name }
        let failingAnyway = after.reports.filter { !$0.ok && before[$0.name] == false }.count
        return PatchCheck(
            verdict: broken.isEmpty ? .passed : .failed, solver: solver, solves: solves.map(\.name), broken: broken,
            detail: broken.isEmpty
                ? "\(solves.count) solves by \(solver) install with the patches applied as without them"
                    + (failingAnyway > 0 ? " (\(failingAnyway) fail without them too)" : "")
                : "applied, the patches break \(broken.count) of \(solves.count) solves: do not apply them as proposed")
    }

    /// Promotes the train to `target` (the local `main` by default): refused unless every
    /// check of the dry run holds (a `resume` of an interrupted move goes on regardless), then
    /// the target moves the files and the release is recorded at the moment its move counts as
    /// done — for the local `main`, a crash at any instant leaves the old or the new `main`, and
    /// the next command finishes or rolls back. `outcome` is nil when a resumed move had been
    /// recorded already.
    package func promote(
        train version: String, to target: any PromotionTarget = LocalMain(), resume: Bool = false, by actor: Actor,
        at time: Date, progress: ((Int, Int) -> Void)? = nil
    ) throws -> (plan: PromotionPlan, generation: Int, outcome: CommandOutcome?) {
        let (plan, generation, main) = try planWithMain(train: version)
        let train = try store.train(version)
        let version = train.name
        if resume && train.stage == .released && target.inFlight(version) {
            // Every step was done and the release recorded; only the journal was left.
            target.forgetJournal(of: version)
            return (plan, generation, nil)
        }
        if !resume {
            guard plan.ok else {
                throw ChannelError.promotionRefused(failing: plan.failing.map { "\($0.name): \($0.detail)" })
            }
        }
        if case .failure(let rejection) = train.decide(.release, by: actor, at: time) {
            throw StoreError.rejected(rejection)
        }
        var outcome: CommandOutcome? = nil
        let store = self.store
        let moved = try target.move(
            plan, of: version, from: Self.label(of: version), in: channel, main: (generation, main), resume: resume,
            committed: isCommitted, progress: progress,
            commit: {
                // The solver's verdict goes into the log with the release, in one transaction.
                var commands: [TrainCommand] = [.release]
                if let solved = plan.checks.first(where: { $0.name == Self.solverCheck }) {
                    let notRun = solved.detail.hasPrefix("not run: ")
                    commands.insert(
                        .recordInstallability(
                            verdict: notRun ? "not run" : "passed",
                            detail: notRun ? String(solved.detail.dropFirst("not run: ".count)) : solved.detail,
                            figures: notRun ? nil : SolveFigure.of(plan.solves)),
                        at: 0)
                }
                outcome = try store.execute(
                    all: commands, on: version, by: actor, at: time, expectRevision: train.revision
                ).last
            })
        return (plan, moved ?? generation, outcome)
    }
}
