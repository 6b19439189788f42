import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard train log`: the events, oldest first.
struct TrainLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the train's events, oldest first, with who did what and when.",
        discussion: "Example:\n  railyard train log 2.6.0"
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.answer { service async throws(ServiceError) in try await service.log(of: version) }
    }
}
