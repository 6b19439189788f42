import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train status`: where the train is, each member's state and why it is blocked.
struct TrainStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the train: stage, revision, RC, members with state and blocked reasons, and the gate.",
        discussion: "Example:\n  railyard train status 2.6.0 --json"
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        if let remote = store.remote {
            let object = try remote.command("GET", "/trains/\(version)")
            var out = OutputBuffer()
            if remote.json {
                out.append(
                    String(
                        decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
                        as: UTF8.self)
                        + "\n")
            } else if let train = object as? [String: Any] {
                out.append(
                    "train \(train["train"] as? String ?? version): \(train["stage"] as? String ?? "?"), revision \(train["revision"] as? Int ?? 0)\n"
                )
                for member in train["members"] as? [[String: Any]] ?? [] {
                    out.append("  \(member["name"] as? String ?? "?")  \(member["state"] as? String ?? "?")\n")
                }
            }
            out.flush()
            return
        }
        let train = try withStore(store) { store throws(StoreError) in try store.train(version) }
        let now = Date()
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(json: statusJSON(train, now: now))
        } else {
            out.append(
                "train \(train.version) (\(train.kind.rawValue)): \(train.stage.rawValue), revision \(train.revision)")
            out.append((train.rc.map { ", RC \($0)" } ?? ", no RC yet") + "\n\n")
            let rows = train.members.map { member -> [String] in
                let blocked = train.blockedReasons(of: member, at: now).map { "\($0.kind.rawValue): \($0.detail)" }
                return [
                    String(member.wave), member.name, member.reason.rawValue, member.state.rawValue,
                    (member.targetVersion ?? member.currentVersion).description, blocked.joined(separator: "; "),
                ]
            }
            out.append(Table(header: ["wave", "package", "reason", "state", "version", "blocked"], rows: rows).text)
            if let next = train.stage.next {
                out.append("\ngate to leave \(train.stage.rawValue) (for \(next.rawValue)):\n")
            } else if train.stage == .staged {
                out.append("\ngate to release:\n")
            }
            for check in train.gate(leaving: train.stage) {
                out.append("  [\(check.ok ? "ok" : "--")] \(check.name): \(check.detail)\n")
            }
        }
        out.flush()
    }
}

/// `train status --json`.
func statusJSON(_ train: Train, now: Date) -> JSONValue {
    .object([
        "train": .string(train.version.description),
        "kind": .string(train.kind.rawValue),
        "stage": .string(train.stage.rawValue),
        "revision": .number(train.revision),
        "rc": train.rc.map { .number($0) } ?? .null,
        "members": .array(
            train.members.map { member in
                .object([
                    "name": .string(member.name),
                    "reason": .string(member.reason.rawValue),
                    "state": .string(member.state.rawValue),
                    "wave": .number(member.wave),
                    "version": .string((member.targetVersion ?? member.currentVersion).description),
                    "maintainers": .array(member.maintainers.map { .string($0) }),
                    "why": .string(member.why),
                    "deadline": member.deadline.map { .string(iso($0)) } ?? .null,
                    "waived": member.waiver.map { .string($0.reason) } ?? .null,
                    "excluded": member.exclusion.map { .string($0.reason) } ?? .null,
                    "blocked": .array(
                        train.blockedReasons(of: member, at: now).map {
                            .object([
                                "kind": .string($0.kind.rawValue),
                                "detail": .string($0.detail),
                                "since": .string(iso($0.since)),
                                "on": .array($0.on.map { .string($0) }),
                            ])
                        }
                    ),
                ])
            }
        ),
        "gates": gatesJSON(train.gate(leaving: train.stage)),
    ])
}

func gatesJSON(_ checks: [GateCheck]) -> JSONValue {
    .array(checks.map { .object(["name": .string($0.name), "ok": .bool($0.ok), "detail": .string($0.detail)]) })
}
