import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

/// The JSON the API answers with: the same fields as the CLI's `--json`.
enum Views {
    static func iso(_ date: Date) -> JSONValue { .string(ISO8601DateFormatter().string(from: date)) }

    static func train(_ train: Train, at now: Date) -> JSONValue {
        .object([
            "train": .string(train.version.description),
            "kind": .string(train.kind.rawValue),
            "core": .string(train.core),
            "stage": .string(train.stage.rawValue),
            "revision": .number(train.revision),
            "rc": train.rc.map { .number($0) } ?? .null,
            "final_rc": train.finalRC.map { .number($0) } ?? .null,
            "members": .array(train.members.map { member(train, $0, at: now) }),
            "gates": .array(train.stage.isTerminal ? [] : train.gate(leaving: train.stage).map(gate)),
            "root_causes": .array(
                train.rootCauses(at: now).map { cause in
                    .object([
                        "member": .string(cause.member), "detail": .string(cause.detail),
                        "owners": .array(cause.owners.map { .string($0) }), "since": iso(cause.since),
                        "commands": .array(cause.commands.map { .string($0) }), "blocking": .bool(cause.blocking),
                    ])
                }),
            "history": .array(
                train.history.map { entry in
                    .object([
                        "stage": .string(entry.stage.rawValue), "at": iso(entry.at), "by": .string(entry.by),
                        "fallback": .bool(entry.fallback),
                    ])
                }),
        ])
    }

    static func member(_ train: Train, _ member: TrainMember, at now: Date) -> JSONValue {
        .object([
            "name": .string(member.name),
            "reason": .string(member.reason.rawValue),
            "state": .string(member.state.rawValue),
            "wave": .number(member.wave),
            "version": .string((member.targetVersion ?? member.currentVersion).description),
            "maintainers": .array(member.maintainers.map { .string($0) }),
            "deadline": member.deadline.map(iso) ?? .null,
            "waived": .bool(member.waiver != nil),
            "log": member.result?.log.map { .string($0) } ?? .null,
            "blocked": .array(
                train.blockedReasons(of: member, at: now).map { reason in
                    .object([
                        "kind": .string(reason.kind.rawValue), "detail": .string(reason.detail),
                        "since": iso(reason.since), "on": .array(reason.on.map { .string($0) }),
                    ])
                }),
        ])
    }

    static func gate(_ check: GateCheck) -> JSONValue {
        .object(["name": .string(check.name), "ok": .bool(check.ok), "detail": .string(check.detail)])
    }

    static func outcome(_ outcome: CommandOutcome) -> JSONValue {
        .object([
            "train": .string(outcome.train), "revision": .number(outcome.revision), "replayed": .bool(outcome.replayed),
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

    static func plan(_ plan: PromotionPlan, generation: Int, moved: CommandOutcome?) -> JSONValue {
        var gains: [String: JSONValue] = [:]
        for (subdir, records) in plan.gains {
            gains[subdir] = .array(
                records.map { .object(["file": .string($0.fileName), "sha256": .string($0.sha256)]) })
        }
        return .object([
            "train": .string(plan.train), "dry_run": .bool(moved == nil), "ok": .bool(plan.ok),
            "main_generation": .number(generation), "gains": .object(gains),
            "checks": .array(plan.checks.map(gate)), "revision": moved.map { .number($0.revision) } ?? .null,
        ])
    }
}
