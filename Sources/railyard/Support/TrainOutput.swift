import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// Decides and records `command`, then prints what it did.
func perform(
    _ command: TrainCommand,
    on version: String,
    store options: StoreOptions,
    actor: ActorOptions,
    by who: Actor? = nil,
    expectCurrentRevision: Bool = false
) throws {
    let outcome = try withStore(options) { store throws(StoreError) in
        var expected = actor.expectRevision
        if expectCurrentRevision && expected == nil { expected = try store.train(version).revision }
        return try store.execute(
            command,
            on: version,
            by: who ?? actor.person,
            at: Date(),
            expectRevision: expected,
            idempotencyKey: actor.idempotencyKey
        )
    }
    printOutcome(outcome, json: options.output.json)
}

func printOutcome(_ outcome: CommandOutcome, json: Bool) {
    var out = OutputBuffer()
    if json {
        out.appendLine(
            json: .object([
                "train": .string(outcome.train),
                "revision": .number(outcome.revision),
                "replayed": .bool(outcome.replayed),
                "events": .array(outcome.events.map { .string($0.summary) }),
            ])
        )
    } else {
        let note = outcome.replayed ? " (repeated idempotency key: nothing changed)" : ""
        out.append("train \(outcome.train) at revision \(outcome.revision)\(note)\n")
        for event in outcome.events { out.append("  \(event.summary)\n") }
    }
    out.flush()
}

extension TrainEvent {
    /// One line a person reads.
    var summary: String {
        switch self {
        case .created(let train):
            "created: \(train.kind.rawValue) train for \(train.core) \(train.version), \(train.members.count) members"
        case .rcRegistered(let number, let subdirs, _): "RC \(number) registered (\(subdirs.joined(separator: ", ")))"
        case .invalidated(let member, let state): "\(member): stale for the new RC, back to \(state.rawValue)"
        case .stageEntered(let stage, let fallback):
            fallback ? "fell back to \(stage.rawValue)" : "entered \(stage.rawValue)"
        case .requested(let member, let deadline): "\(member): requested, deadline \(iso(deadline))"
        case .acknowledged(let member, let eta): "\(member): acknowledged" + (eta.map { ", ETA \(iso($0))" } ?? "")
        case .declined(let member, let reason): "\(member): declined: \(reason)"
        case .built(let member, let version, let rc, _, _):
            "\(member): build \(version) registered" + (rc.map { " against RC \($0)" } ?? "")
        case .buildReported(let member, let rc, let passed, _):
            "\(member): build \(passed ? "passed" : "failed") against RC \(rc)"
        case .becameBump(let member, let why): "\(member): now needs a bump: \(why)"
        case .testStarted(let member): "\(member): testing"
        case .testAbandoned(let member): "\(member): test lease expired, back in the queue"
        case .tested(let member, let rc, let passed, _): "\(member): \(passed ? "passed" : "failed") against RC \(rc)"
        case .excluded(let member, let reason, let byPolicy):
            "\(member): excluded\(byPolicy ? " by policy" : ""): \(reason)"
        case .waived(let member, let reason): "\(member): failure waived: \(reason)"
        case .integrationPending(let rc): "all-together run set up for RC \(rc)"
        case .integrationReported(let rc, let passed, _):
            "all-together run \(passed ? "passed" : "failed") against RC \(rc)"
        case .markedFinal(let rc): "RC \(rc) marked final"
        case .released: "released"
        case .aborted(let reason): "aborted: \(reason)"
        }
    }
}
