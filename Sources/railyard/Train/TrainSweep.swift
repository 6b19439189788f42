import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train sweep`: applies the deadline policy.
struct TrainSweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract:
            "Run the train's deadline sweep: reminders, the deadline (blocked-by or excluded), escalation, retirement.",
        discussion: "The server runs it on its own. Example:\n  railyard train sweep 2.6.0 --at 2026-12-03T09:00:00Z"
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "Sweep as of this time (ISO 8601), default now; not with --server.") var at: String?
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        if at != nil && store.server != nil {
            throw refuse(
                code: "invalid-argument", message: "--at drives time on a local database only, not with --server",
                json: store.output.json)
        }
        let time = try parseTime(at, option: "--at", json: store.output.json)
        try await perform(.sweepDeadlines, on: version, store: store, actor: actor, by: .policy, now: { time })
    }
}
