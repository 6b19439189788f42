import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard train status`: where the train is, each member's state and why it is blocked.
struct TrainStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the train: stage, revision, RC, members with state and blocked reasons, and the gate.",
        discussion: "Example:\n  railyard train status 2.6.0 --json"
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.answer { service async throws(ServiceError) in try await service.status(of: version) }
    }
}
