import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train waive`: counts a failed test as passed, with a reason.
struct TrainWaive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waive",
        abstract: "Count a member's failed test as passed, shown as waived, with a reason.",
        discussion: "Example:\n  railyard train waive 2.6.0 pytorch_scatter --reason 'flaky CUDA test' --as alice"
    )

    @Argument(help: "The train.") var version: String
    @Argument(help: "The member.") var package: String
    @Option(help: "Why.") var reason: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await perform(.waive(member: package, reason: reason), on: version, store: store, actor: actor)
    }
}
