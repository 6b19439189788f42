import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train abort`: abandons the train.
struct TrainAbort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abandon the train; its staging label stays for inspection.",
        discussion: "Example:\n  railyard train abort 2.6.0 --reason 'torch 2.6 withdrawn' --as alice"
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "Why.") var reason: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await perform(.abort(reason: reason), on: version, store: store, actor: actor)
    }
}
