import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// The JSON the API answers with: the same fields as the CLI's `--json`.
enum Views {
    static func iso(_ date: Date) -> JSONValue { .string(ISO8601DateFormatter().string(from: date)) }

    static func outcome(_ outcome: CommandOutcome) -> JSONValue {
        .object([
            "schema": .number(Wire.schema), "train": .string(outcome.train), "revision": .number(outcome.revision),
            "replayed": .bool(outcome.replayed),
            "events": .array(outcome.events.map { .string($0.summary) }),
        ])
    }

    static func work(_ item: WorkItem) -> JSONValue {
        .object([
            "id": .string(item.id), "train": .string(item.train), "kind": .string(item.kind.rawValue),
            "package": item.package.map { .string($0) } ?? .null, "rc": .number(item.rc),
            "attempt": .number(item.attempt), "lease_until": iso(item.leaseUntil),
        ])
    }
}
