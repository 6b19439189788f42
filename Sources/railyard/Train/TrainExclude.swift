import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train exclude`: takes a member out of the train, with a reason.
struct TrainExclude: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exclude",
        abstract: "Take a member out of the train, with a reason.",
        discussion:
            "Example:\n  railyard train exclude 2.6.0 kornia --reason 'declined; 0.7.3 stays on main' --as alice"
    )

    @Argument(help: "The train.") var version: String
    @Argument(help: "The member.") var package: String
    @Option(help: "Why.") var reason: String
    @Flag(help: "Also exclude every member that depends on it.") var cascade = false
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await perform(
            .exclude(member: package, reason: reason, cascade: cascade), on: version, store: store, actor: actor)
    }
}
