import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train final`: marks the current RC final.
struct TrainFinal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "final",
        abstract: "Mark the current RC final (part of the gate to release a staged train).",
        discussion: "Example:\n  railyard train final 2.6.0 --rc 2 --as alice"
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "The RC, which must be the current one.") var rc: Int
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await perform(.markFinal(rc: rc), on: version, store: store, actor: actor)
    }
}
