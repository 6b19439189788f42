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
    expectCurrentRevision: Bool = false,
    at time: Date = Date()
) throws {
    if let remote = options.remote {
        guard let (path, body) = Remote.route(of: command, on: version) else {
            throw refuse(
                code: "invalid-argument", message: "\(command.name) is not available with --server", json: remote.json)
        }
        var headers: [String: String] = [:]
        if let revision = actor.expectRevision { headers["If-Match"] = "\"\(revision)\"" }
        if let key = actor.idempotencyKey { headers["Idempotency-Key"] = key }
        Remote.printOutcome(try remote.command("POST", path, body: body, headers: headers), json: remote.json)
        return
    }
    let outcome = try withStore(options) { store throws(StoreError) in
        var expected = actor.expectRevision
        if expectCurrentRevision && expected == nil { expected = try store.train(version).revision }
        return try store.execute(
            command,
            on: version,
            by: who ?? actor.person,
            at: time,
            expectRevision: expected,
            idempotency: actor.idempotency("\(command.name) on \(version)", [command.name, version, "\(command)"])
        )
    }
    printOutcome(outcome, json: options.output.json)
}

extension ActorOptions {
    /// `--idempotency-key` as the store keeps it: the acting person's own, bound to the request's
    /// `parts`; `request` names it in the refusal of a reuse.
    func idempotency(_ request: String, _ parts: [String]) -> IdempotencyKey? {
        idempotencyKey.map { IdempotencyKey(scope: actor, key: $0, request: request, parts: parts) }
    }
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
