import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard sweep`: one run of the deadline sweep over every active train, at a given time.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run the deadline sweep of every active train once: reminders, deadlines, escalations, retirement.",
        discussion: """
            The server runs it every --sweep-every on its own; this command lets operators and \\
            tests drive time. What it decides goes to the outbox; `notify deliver` (or the \\
            server) sends it.

            Example:
              railyard sweep --at 2026-12-03T09:00:00Z
            """)

    @Option(help: "Sweep as of this time (ISO 8601), default now.") var at: String?
    @Option(help: "Only this train.") var train: String?
    @OptionGroup var store: StoreOptions

    func run() throws {
        let json = store.output.json
        let now = try parseTime(at, option: "--at", json: json)
        let outcomes = try withStore(store) { store throws(StoreError) in
            var versions: [String]
            if let train {
                versions = [train]
            } else {
                versions = try store.trains().filter { Stage.path.contains($0.stage) }.map(\.version)
            }
            var outcomes: [CommandOutcome] = []
            for version in versions {
                outcomes.append(try store.execute(.sweepDeadlines, on: version, by: .policy, at: now))
            }
            return outcomes
        }
        var out = OutputBuffer()
        if json {
            out.appendLine(
                json: .object([
                    "trains": .array(
                        outcomes.map { outcome in
                            .object([
                                "train": .string(outcome.train), "revision": .number(outcome.revision),
                                "events": .array(outcome.events.map { .string($0.summary) }),
                            ])
                        })
                ]))
        } else {
            for outcome in outcomes {
                out.append(
                    "train \(outcome.train): \(outcome.events.isEmpty ? "nothing due" : "revision \(outcome.revision)")\n"
                )
                for event in outcome.events { out.append("  \(event.summary)\n") }
            }
        }
        out.flush()
    }
}
