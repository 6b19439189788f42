import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train sweep`: applies the deadline policy.
struct TrainSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract:
            "Apply the deadline policy: with on_deadline: exclude, exclude requests unanswered past their deadline.",
        discussion: "Run it periodically (the server will). Example:\n  railyard train sweep 2.6.0"
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        try perform(.sweepDeadlines, on: version, store: store, actor: actor, by: .policy)
    }
}
