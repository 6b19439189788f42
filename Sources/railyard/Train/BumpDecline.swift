import ArgumentParser
import Foundation
import RailyardCore

/// `railyard bump decline`: a maintainer declines a request.
struct BumpDecline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decline",
        abstract: "Decline the request, with a reason; the package becomes blocked-by the decline.",
        discussion:
            "Example:\n  railyard bump decline kornia --train 2.6.0 --as kornia-team --reason 'no time this cycle'"
    )

    @Argument(help: "The package.") var package: String
    @Option(help: "The train.") var train: String
    @Option(help: "Why.") var reason: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await perform(.decline(member: package, reason: reason), on: train, store: store, actor: actor)
    }
}
