import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

extension ActorOptions {
    /// `--idempotency-key` as the store keeps it: the acting person's own, bound to the request's
    /// `parts`; `request` names it in the refusal of a reuse.
    func idempotency(_ request: String, _ parts: [String]) -> IdempotencyKey? {
        idempotencyKey.map { IdempotencyKey(scope: actor, key: $0, request: request, parts: parts) }
    }
}

/// Prints what a command did, as ``CommandResponse`` has it.
func printOutcome(_ outcome: CommandOutcome, json: Bool) {
    let response = CommandResponse(outcome)
    var out = OutputBuffer()
    out.append(json ? String(decoding: Wire.encode(response), as: UTF8.self) + "\n" : response.text)
    out.flush()
}
