import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train advance`: one stage forward, when the gate holds.
struct TrainAdvance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advance",
        abstract: "Move the train one stage forward, when the gate holds; refused with the failing checks otherwise.",
        discussion: """
            The command is refused if the train changed between reading and writing it (exactly \
            one of two racing advances wins).

            Example:
              railyard train advance 2.6.0 --as alice
            """
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await perform(.advance, on: version, store: store, actor: actor)
    }
}
