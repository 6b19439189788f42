import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

/// The use cases on this machine: the store and the local channel folder. Each one loads,
/// lets the core decide, persists in one transaction and then acts; every failure becomes the
/// ``ServiceError`` that the CLI and the API both answer with.
package struct LocalTrainService: TrainService {
    package let store: Store
    /// The channel folder; opened when a use case needs it.
    package let channelPath: String
    /// The catalog trains are created from (none: `create` is refused, saying how to give one).
    package let catalog: Catalog?
    /// The clock: the core reads none, so the time comes from here.
    package let now: @Sendable () -> Date
    /// How often `watch` looks at the database for changes made by other processes.
    package var pollInterval: Duration = .milliseconds(250)

    package init(
        store: Store, channel: String, catalog: Catalog? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        channelPath = channel
        self.catalog = catalog
        self.now = now
    }

    /// The store and the channel together.
    package func trainChannel() throws(ServiceError) -> TrainChannel {
        do {
            return TrainChannel(store: store, channel: try LocalChannel(path: channelPath))
        } catch {
            throw ServiceError(error)
        }
    }

    package func trains() throws(ServiceError) -> TrainListResponse {
        let trains = try attempt { try store.trains() }
        return TrainListResponse(
            trains: trains.map {
                .init(
                    train: $0.version, stage: $0.stage.rawValue, revision: $0.revision, rc: $0.rc,
                    createdAt: Wire.second($0.createdAt), updatedAt: Wire.second($0.updatedAt))
            })
    }

    package func status(of version: String) throws(ServiceError) -> TrainStatusResponse {
        let train = try attempt { try store.train(version) }
        return TrainStatusResponse(train, at: Wire.second(now()))
    }

    package func gates(of version: String) throws(ServiceError) -> GatesResponse {
        let train = try attempt { try store.train(version) }
        let at = Wire.second(now())
        let checks = train.stage.isTerminal ? [] : train.gate(leaving: train.stage)
        return GatesResponse(
            train: train.name, stage: train.stage.rawValue,
            ok: !checks.isEmpty && checks.allSatisfy(\.ok), checks: checks,
            rootCauses: train.rootCauses(at: at).map(Wire.second), at: at)
    }

    package func log(of version: String) throws(ServiceError) -> TrainLogResponse {
        let events = try attempt { try store.events(version) }
        return TrainLogResponse(
            train: version,
            events: events.map {
                .init(
                    revision: $0.revision, at: Wire.second($0.at), actor: $0.actor, command: $0.command,
                    summary: $0.event.summary)
            })
    }

    package func run(_ command: TrainCommand, on version: String, by actor: Actor, guards: Guards)
        throws(ServiceError) -> CommandResponse
    {
        let outcome = try attempt {
            var expected = guards.expectRevision
            // Two racing advances must not move the train two stages: an advance is decided
            // against the revision it was asked at.
            if command == .advance && expected == nil { expected = try store.train(version).revision }
            var command = command
            // An RC named without files is the core's files already on the staging label.
            if case .registerRC(let number, let artifacts) = command, artifacts.isEmpty {
                command = .registerRC(number: number, artifacts: try stagedCoreFiles(of: version))
            }
            return try store.execute(
                command, on: version, by: actor, at: now(), expectRevision: expected,
                idempotency: key(
                    guards, by: actor, "\(command.name) on \(version)", [command.name, version, "\(command)"]))
        }
        return CommandResponse(outcome)
    }

    package func promote(_ version: String, move: Bool, expectMain: Int?, by actor: Actor, guards: Guards)
        throws(ServiceError) -> PromotionResponse
    {
        let key = key(
            guards, by: actor, "promote on \(version)",
            ["promote", version, String(move), expectMain.map(String.init) ?? ""])
        if let key, var earlier = try attempt({ try store.replay(key, as: PromotionResponse.self) }) {
            earlier.replayed = true
            return earlier
        }
        let trains = try trainChannel()
        let response = try attempt {
            if move {
                let time = now()
                let moved = try trains.promote(
                    train: version, to: LocalMain(expectGeneration: expectMain, indexedAt: time), by: actor, at: time)
                return PromotionResponse(moved.plan, generation: moved.generation, revision: moved.outcome?.revision)
            }
            let (plan, generation) = try trains.plan(train: version)
            return PromotionResponse(plan, generation: generation, revision: nil)
        }
        // A dry run under a key is recorded too: the same key cannot then move main.
        if let key { try attempt { try store.remember(key, answer: response, at: now()) } }
        return response
    }

    package func matrix(of version: String) throws(ServiceError) -> MatrixResponse {
        let channel = try trainChannel()
        return try attempt {
            // The matrix alone: no solver to start.
            let plan = try channel.plan(train: version, solving: false).plan
            return MatrixResponse(try store.train(version), plan.matrix)
        }
    }

    package func patches(for version: String) throws(ServiceError) -> PatchesResponse {
        let trains = try trainChannel()
        return try attempt {
            try trains.recover()
            let main = try trains.channel.snapshot(label: "main").subdirs.mapValues(\.records)
            let proposals = try store.train(version).patchProposals(main: main)
            return PatchesResponse(
                train: version, proposals: proposals, check: try trains.checkPatches(proposals, train: version))
        }
    }

    package func create(
        _ version: String, companions: [String: String], staleOK: Bool, by actor: Actor, guards: Guards
    ) throws(ServiceError) -> CommandResponse {
        let key = key(
            guards, by: actor, "create \(version)",
            ["create", version, String(staleOK)] + companions.map { "\($0)=\($1)" }.sorted())
        if let key, var earlier = try attempt({ try store.replay(key, as: CommandOutcome.self) }) {
            earlier.replayed = true
            return CommandResponse(earlier)
        }
        let (train, warnings) = try planned(version, companions: companions, staleOK: staleOK, by: actor)
        let outcome = try attempt { try store.create(train, by: actor, at: train.createdAt, idempotency: key) }
        var response = CommandResponse(outcome)
        response.warnings = warnings
        return response
    }

    package func supersede(
        _ old: String, by version: String, companions: [String: String], staleOK: Bool, by actor: Actor,
        guards: Guards
    ) throws(ServiceError) -> SupersedeResponse {
        let key = key(
            guards, by: actor, "supersede \(old)",
            ["supersede", old, version, String(staleOK)] + companions.map { "\($0)=\($1)" }.sorted())
        if let key, var earlier = try attempt({ try store.replay(key, as: SupersedeOutcome.self) }) {
            earlier.replayed = true
            return SupersedeResponse(earlier, warnings: [])
        }
        // The old train first: an unknown one is named before the plan is made.
        _ = try attempt { try store.train(old) }
        let (train, warnings) = try planned(version, companions: companions, staleOK: staleOK, by: actor)
        let trains = try trainChannel()
        let outcome = try attempt {
            try trains.supersede(
                old, by: train, by: actor, at: train.createdAt, expectRevision: guards.expectRevision, idempotency: key)
        }
        return SupersedeResponse(outcome, warnings: warnings)
    }

    /// A new train for core version `version`, planned from the catalog, with the warnings its
    /// creation goes past: refused when the version is not newer than a released train's of its
    /// series, when the catalog is behind a released train (unless `staleOK`), or when the plan
    /// or the actor is refused.
    private func planned(_ version: String, companions: [String: String], staleOK: Bool, by actor: Actor)
        throws(ServiceError) -> (Train, [String])
    {
        guard let catalog else {
            throw ServiceError(
                .refused, "no-catalog",
                "no catalog to plan the train from: give --catalog FILE (a server: railyard serve --catalog FILE)")
        }
        guard let coreVersion = try? Version(version) else {
            throw ServiceError(.invalid, "invalid-version", "'\(version)' is not a conda version")
        }
        var given: [String: Version] = [:]
        for (name, value) in companions {
            guard let parsed = try? Version(value) else {
                throw ServiceError(.invalid, "invalid-version", "companion \(name)=\(value): not a conda version")
            }
            given[name] = parsed
        }
        // Beside the trains already released: newer than each of its series, from a catalog
        // that is not behind them.
        var released: [(name: String, version: Version)] = []
        for summary in try attempt({ try store.trains() }) where summary.stage == .released {
            let train = try attempt { try store.train(summary.version, exact: true) }
            if train.core == catalog.core { released.append((train.name, train.version)) }
        }
        let judged = Train.creationProblems(
            core: catalog.core, version: coreVersion, catalogVersion: catalog.corePackage.version, released: released,
            staleOK: staleOK)
        if let refusal = judged.refusal {
            switch refusal {
            case .notNewer: throw ServiceError(.refused, "version-not-newer", refusal.description)
            case .catalogBehind: throw ServiceError(.refused, "catalog-behind", refusal.description)
            }
        }
        let time = now()
        let plan: Plan
        do {
            plan = try Planner.plan(catalog, coreVersion: coreVersion, companions: given)
        } catch {
            throw ServiceError(.invalid, "plan-refused", "\(error)")
        }
        let train = try attempt { try Train.create(plan: plan, catalog: catalog, by: actor, at: time) }
        return (train, judged.warnings.map(\.description))
    }

    package func registerRC(_ number: Int, files: [String], on version: String, by actor: Actor, guards: Guards)
        throws(ServiceError) -> CommandResponse
    {
        try registerRC(
            number, packages: try attempt { try TrainChannel.read(files) }, on: version, by: actor, guards: guards)
    }

    package func stage(_ files: [String], on version: String, by actor: Actor, guards: Guards)
        throws(ServiceError) -> StageResponse
    {
        try stage(try attempt { try TrainChannel.read(files) }, on: version, by: actor, guards: guards)
    }

    /// What an uploaded package file did: the core's registered an RC, any other staged a build.
    package enum Upload: Sendable {
        case rc(CommandResponse)
        case staged(StageResponse)
    }

    /// One uploaded package file, read once: the core's files are RC `rc` (which a token of
    /// `role` must be allowed to register), any other a member's build.
    package func upload(
        _ file: String, rc: Int?, on version: String, by actor: Actor, role: Role, guards: Guards
    ) throws(ServiceError) -> Upload {
        let packages = try attempt { try TrainChannel.read([file]) }
        let core = try attempt { try store.train(version).core }
        guard packages[0].record.name == core else {
            return .staged(try stage(packages, on: version, by: actor, guards: guards))
        }
        guard role.may(.registerRC) else {
            throw ServiceError(
                .forbidden, "not-allowed",
                "\(actor.name) (\(role.rawValue)) may not register RCs: only release managers do")
        }
        guard let rc else {
            throw ServiceError(.invalid, "invalid-argument", "the core's files are an RC: add ?rc=N")
        }
        return .rc(try registerRC(rc, packages: packages, on: version, by: actor, guards: guards))
    }

    private func registerRC(
        _ number: Int, packages: [(source: String, record: PackageRecord)], on version: String, by actor: Actor,
        guards: Guards
    ) throws(ServiceError) -> CommandResponse {
        let trains = try trainChannel()
        let key = key(
            guards, by: actor, "rc \(number) on \(version)", ["rc", version, "\(number)"] + Self.contentParts(packages))
        // A repeat is answered before anything is decided or written again.
        if let key, var earlier = try attempt({ try store.replay(key, as: CommandOutcome.self) }) {
            earlier.replayed = true
            return CommandResponse(earlier)
        }
        let outcome = try attempt {
            try trains.registerRC(
                number: number, packages: packages, train: version, by: actor, at: now(),
                expectRevision: guards.expectRevision, idempotency: key)
        }
        return CommandResponse(outcome)
    }

    private func stage(
        _ packages: [(source: String, record: PackageRecord)], on version: String, by actor: Actor, guards: Guards
    ) throws(ServiceError) -> StageResponse {
        let trains = try trainChannel()
        let key = key(guards, by: actor, "stage on \(version)", ["stage", version] + Self.contentParts(packages))
        if let key, var earlier = try attempt({ try store.replay(key, as: StageResponse.self) }) {
            earlier.replayed = true
            return earlier
        }
        let staged = try attempt { try trains.stage(packages, train: version, by: actor, at: now()) }
        // The label of the train the version means now (`train-2.6.0-2` after an abort).
        let name = (try? store.train(version).name) ?? version
        let response = StageResponse(
            train: version, label: TrainChannel.label(of: name),
            staged: staged.map { item in
                .init(
                    package: item.package, files: item.artifacts.map(\.description), changed: item.outcome != nil,
                    revision: item.outcome?.revision, events: (item.outcome?.events ?? []).map(\.summary))
            })
        if let key { try attempt { try store.remember(key, answer: response, at: now()) } }
        return response
    }

    package func claim(
        on version: String, kind: String?, package: String?, subdir: String?, variant: String?,
        leaseSeconds: Int, by runner: Actor, guards: Guards
    ) throws(ServiceError) -> ClaimResponse {
        var workKind: WorkItem.Kind? = nil
        if let kind {
            guard let parsed = WorkItem.Kind(rawValue: kind) else {
                throw ServiceError(.invalid, "invalid-argument", "kind \(kind): build, test or integration")
            }
            workKind = parsed
        }
        let key = key(
            guards, by: runner, "claim on \(version)",
            ["claim", version, kind ?? "", package ?? "", subdir ?? "", variant ?? "", String(leaseSeconds)])
        if let key, let earlier = try attempt({ try store.replay(key, as: WorkItem?.self) }) {
            return ClaimResponse(work: earlier.map(ClaimResponse.Work.init), replayed: true)
        }
        let item = try attempt {
            try store.claim(
                train: version, kind: workKind, package: package, subdir: subdir, variant: variant,
                runner: Self.name(of: runner),
                lease: TimeInterval(leaseSeconds), at: now(), idempotency: key)
        }
        return ClaimResponse(work: item.map(ClaimResponse.Work.init))
    }

    package func report(_ work: String, passed: Bool, log: String?, by runner: Actor, guards: Guards)
        throws(ServiceError) -> CommandResponse
    {
        let outcome = try attempt {
            try store.report(
                work: work, passed: passed, log: log, runner: Self.name(of: runner), at: now(),
                idempotency: key(guards, by: runner, "report \(work)", ["report", work, String(passed), log ?? ""]))
        }
        return CommandResponse(outcome)
    }

    package func heartbeat(_ work: String, leaseSeconds: Int, by runner: Actor, guards: Guards)
        throws(ServiceError) -> ClaimResponse
    {
        let item = try attempt {
            try store.heartbeat(
                work: work, runner: Self.name(of: runner), lease: TimeInterval(leaseSeconds), at: now(),
                idempotency: key(guards, by: runner, "heartbeat \(work)", ["heartbeat", work, String(leaseSeconds)]))
        }
        return ClaimResponse(work: ClaimResponse.Work(item))
    }

    package func watch(_ version: String, after revision: Int?, wait: Int) async throws(ServiceError)
        -> WatchResponse?
    {
        let deadline = ContinuousClock.now + .seconds(max(wait, 0))
        while true {
            let train = try attempt { try store.train(version) }
            if train.revision != revision {
                return WatchResponse(train: version, stage: train.stage.rawValue, revision: train.revision)
            }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: min(pollInterval, deadline - ContinuousClock.now))
        }
    }

    package func index(by actor: Actor, guards: Guards) throws(ServiceError) -> IndexResponse {
        let key = key(guards, by: actor, "channel index", ["channel", "index"])
        if let key, var earlier = try attempt({ try store.replay(key, as: IndexResponse.self) }) {
            earlier.replayed = true
            return earlier
        }
        let trains = try trainChannel()
        let summary = try attempt { try trains.index() }
        let response = IndexResponse(
            labels: summary.labels, mainGeneration: summary.mainGeneration, setAside: summary.setAside)
        if let key { try attempt { try store.remember(key, answer: response, at: now()) } }
        return response
    }

    package func revoke(
        _ files: [String], reason: String, move: Bool, force: Bool, expectMain: Int?, by actor: Actor, guards: Guards
    ) throws(ServiceError) -> RevokeResponse {
        guard !files.isEmpty else {
            throw ServiceError(.invalid, "no-files", "name the files to revoke: SUBDIR/FILE as main lists them")
        }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw ServiceError(
                .invalid, "no-reason", "say why with --reason TEXT: it goes into the channel's log with the change")
        }
        let key = key(
            guards, by: actor, "channel revoke",
            ["revoke", reason, String(move), String(force), expectMain.map(String.init) ?? ""] + files)
        if let key, var earlier = try attempt({ try store.replay(key, as: RevokeResponse.self) }) {
            earlier.replayed = true
            return earlier
        }
        let trains = try trainChannel()
        let response = try attempt {
            if move {
                let done = try trains.revoke(
                    files, reason: reason, force: force, expectGeneration: expectMain, by: actor, at: now())
                return RevokeResponse(done.plan, reason: reason, generation: done.generation, force: force)
            }
            return RevokeResponse(try trains.planRevocation(files), reason: reason, generation: nil, force: force)
        }
        if let key { try attempt { try store.remember(key, answer: response, at: now()) } }
        return response
    }

    package func channelLog() throws(ServiceError) -> ChannelLogResponse {
        ChannelLogResponse(entries: try attempt { try store.channelLog() })
    }

    package func verify() throws(ServiceError) -> VerifyResponse {
        let trains = try trainChannel()
        _ = try attempt { try trains.recover() }
        return VerifyResponse(trains.channel)
    }

    /// The core's files at the train's version on its staging label.
    private func stagedCoreFiles(of version: String) throws -> [Artifact] {
        let train = try store.train(version)
        let trains = try trainChannel()
        try trains.recover()
        let label = TrainChannel.label(of: train.name)
        guard trains.channel.labels().contains(label) else { return [] }
        return try trains.channel.snapshot(label: label).subdirs.values
            .flatMap { $0.records.values }
            .filter { $0.name == train.core && $0.parsedVersion == train.version }
            .map { Artifact($0, keys: train.variantRules?.keys ?? []) }
            .sorted { $0.description < $1.description }
    }

    /// The name a claim is held under: a runner's or a person's own.
    static func name(of actor: Actor) -> String {
        switch actor {
        case .person(let name), .runner(let name): name
        case .policy: "policy"
        }
    }

    /// Each file's name and sha256, so that a key reused for other content is another request.
    private static func contentParts(_ packages: [(source: String, record: PackageRecord)]) -> [String] {
        packages.map { "\($0.record.fileName)@\($0.record.sha256)" }
    }

    /// The idempotency key as the store keeps it: the caller's own, bound to the request.
    private func key(_ guards: Guards, by actor: Actor, _ request: String, _ parts: [String]) -> IdempotencyKey? {
        guards.idempotencyKey.map { IdempotencyKey(scope: actor.description, key: $0, request: request, parts: parts) }
    }
}

/// Runs `body`, answering any failure as the ``ServiceError`` it stands for.
func attempt<T>(_ body: () throws -> T) throws(ServiceError) -> T {
    do {
        return try body()
    } catch {
        throw ServiceError(error)
    }
}

extension CommandResponse {
    package init(_ outcome: CommandOutcome) {
        self.init(
            train: outcome.train, revision: outcome.revision, replayed: outcome.replayed,
            events: outcome.events.map(\.summary))
    }
}

extension SupersedeResponse {
    package init(_ outcome: SupersedeOutcome, warnings: [String]) {
        train = outcome.ended.train
        revision = outcome.ended.revision
        by = outcome.started.train
        byRevision = outcome.started.revision
        replayed = outcome.replayed
        let items = outcome.carries.map { Item(member: $0.member, what: $0.what, detail: $0.detail) }
        carried = zip(outcome.carries, items).filter { $0.0.carried }.map(\.1)
        notCarried = zip(outcome.carries, items).filter { !$0.0.carried }.map(\.1)
        self.warnings = warnings
    }
}

extension TrainStatusResponse {
    /// The train as it stands at `now`.
    package init(_ train: Train, at now: Date) {
        self.init(
            train: train.name, kind: train.kind.rawValue, core: train.core,
            stage: train.stage.rawValue, revision: train.revision, rc: train.rc, finalRC: train.finalRC,
            members: train.members.map { member in
                Member(
                    name: member.name, reason: member.reason.rawValue, state: member.state.rawValue,
                    wave: member.wave, version: (member.targetVersion ?? member.currentVersion).description,
                    depends: member.depends, maintainers: member.maintainers, why: member.why,
                    deadline: member.deadline.map(Wire.second),
                    waived: member.waiver?.reason, excluded: member.exclusion?.reason, log: member.result?.log,
                    blocked: train.blockedReasons(of: member, at: now).map(Wire.second))
            },
            gates: train.stage.isTerminal ? [] : train.gate(leaving: train.stage),
            rootCauses: train.rootCauses(at: now).map(Wire.second),
            history: train.history.map {
                StageEntry(stage: $0.stage.rawValue, at: Wire.second($0.at), by: $0.by, fallback: $0.fallback)
            },
            supersededBy: train.supersededBy, supersedes: train.supersedes, at: now)
    }
}

extension ClaimResponse.Work {
    init(_ item: WorkItem) {
        self.init(
            id: item.id, train: item.train, kind: item.kind.rawValue, package: item.package, cell: item.cell,
            rc: item.rc, attempt: item.attempt, leaseUntil: Wire.second(item.leaseUntil), specs: item.specs ?? [],
            labels: item.labels ?? [])
    }
}

extension VerifyResponse {
    /// The verdict on `channel` as it is (a promotion in flight is not finished here).
    package init(_ channel: LocalChannel) {
        let problems = channel.verify()
        self.init(
            ok: problems.isEmpty, mainGeneration: channel.mainGeneration, problems: problems,
            leftovers: channel.temporaryFiles().map(\.file))
    }
}

extension PromotionResponse {
    package init(_ plan: PromotionPlan, generation: Int, revision: Int?) {
        self.init(
            train: plan.train, dryRun: revision == nil, ok: plan.ok, mainGeneration: generation,
            gains: plan.gains.mapValues { records in records.map { File(file: $0.fileName, sha256: $0.sha256) } },
            checks: plan.checks, matrix: MatrixResponse(train: plan.train, plan.matrix),
            solves: plan.solves.map(Solve.init), solveFigures: SolveFigure.of(plan.solves), changes: plan.changes,
            revision: revision)
    }
}

extension Wire {
    static func second(_ reason: BlockedReason) -> BlockedReason {
        var reason = reason
        reason.since = second(reason.since)
        return reason
    }

    static func second(_ cause: RootCause) -> RootCause {
        var cause = cause
        cause.since = second(cause.since)
        return cause
    }
}
