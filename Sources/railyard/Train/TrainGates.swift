import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train gates`: the current gate, check by check, with the root causes.
struct TrainGates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gates",
        abstract: "Show the checks of the current gate and the few actionable root causes, with owners and age.",
        discussion: "Example:\n  railyard train gates 2.6.0"
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        let train = try withStore(store) { store throws(StoreError) in try store.train(version) }
        let now = Date()
        let checks = train.gate(leaving: train.stage)
        let causes = train.rootCauses(at: now)
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(
                json: .object([
                    "train": .string(train.version.description),
                    "stage": .string(train.stage.rawValue),
                    "ok": .bool(!checks.isEmpty && checks.allSatisfy(\.ok)),
                    "checks": gatesJSON(checks),
                    "root_causes": .array(
                        causes.map {
                            .object([
                                "member": .string($0.member),
                                "detail": .string($0.detail),
                                "owners": .array($0.owners.map { .string($0) }),
                                "since": .string(iso($0.since)),
                                "commands": .array($0.commands.map { .string($0) }),
                                "blocking": .bool($0.blocking),
                            ])
                        }
                    ),
                ])
            )
        } else {
            out.append("train \(train.version): \(train.stage.rawValue)\n")
            for check in checks { out.append("  [\(check.ok ? "ok" : "--")] \(check.name): \(check.detail)\n") }
            if !causes.isEmpty {
                out.append("root causes:\n")
                for cause in causes {
                    let days = Int(now.timeIntervalSince(cause.since) / 86_400)
                    out.append(
                        "  \(cause.member): \(cause.detail) (owners: \(cause.owners.joined(separator: ", ")); \(days)d)\n"
                    )
                    for command in cause.commands { out.append("      \(command)\n") }
                }
            }
        }
        out.flush()
    }
}
