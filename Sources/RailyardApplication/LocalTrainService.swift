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
    /// The clock: the core reads none, so the time comes from here.
    package let now: @Sendable () -> Date

    package init(store: Store, channel: String, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        channelPath = channel
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
            train: train.version.description, stage: train.stage.rawValue,
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
            // An RC named without its subdirs has artifacts for every subdir the train requires.
            if case .registerRC(let number, let subdirs, let artifacts) = command, subdirs.isEmpty, artifacts.isEmpty {
                command = .registerRC(number: number, subdirs: try store.train(version).requiredSubdirs)
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
        if let key, let earlier = try attempt({ try store.replay(key, as: PromotionResponse.self) }) {
            return earlier
        }
        let trains = try trainChannel()
        let response = try attempt {
            if move {
                let moved = try trains.promote(train: version, by: actor, at: now(), expectGeneration: expectMain)
                return PromotionResponse(moved.plan, generation: moved.generation, revision: moved.outcome.revision)
            }
            let (plan, generation) = try trains.plan(train: version)
            return PromotionResponse(plan, generation: generation, revision: nil)
        }
        if let key, move { try attempt { try store.remember(key, answer: response, at: now()) } }
        return response
    }

    package func patches(for version: String) throws(ServiceError) -> PatchesResponse {
        let trains = try trainChannel()
        return try attempt {
            try trains.recover()
            let main = try trains.channel.snapshot(label: "main").subdirs.mapValues(\.records)
            return PatchesResponse(train: version, proposals: try store.train(version).patchProposals(main: main))
        }
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

extension TrainStatusResponse {
    /// The train as it stands at `now`.
    package init(_ train: Train, at now: Date) {
        self.init(
            train: train.version.description, kind: train.kind.rawValue, core: train.core,
            stage: train.stage.rawValue, revision: train.revision, rc: train.rc, finalRC: train.finalRC,
            members: train.members.map { member in
                Member(
                    name: member.name, reason: member.reason.rawValue, state: member.state.rawValue,
                    wave: member.wave, version: (member.targetVersion ?? member.currentVersion).description,
                    maintainers: member.maintainers, why: member.why, deadline: member.deadline.map(Wire.second),
                    waived: member.waiver?.reason, excluded: member.exclusion?.reason, log: member.result?.log,
                    blocked: train.blockedReasons(of: member, at: now).map(Wire.second))
            },
            gates: train.stage.isTerminal ? [] : train.gate(leaving: train.stage),
            rootCauses: train.rootCauses(at: now).map(Wire.second),
            history: train.history.map {
                StageEntry(stage: $0.stage.rawValue, at: Wire.second($0.at), by: $0.by, fallback: $0.fallback)
            },
            at: now)
    }
}

extension PromotionResponse {
    package init(_ plan: PromotionPlan, generation: Int, revision: Int?) {
        self.init(
            train: plan.train, dryRun: revision == nil, ok: plan.ok, mainGeneration: generation,
            gains: plan.gains.mapValues { records in records.map { File(file: $0.fileName, sha256: $0.sha256) } },
            checks: plan.checks, revision: revision)
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
