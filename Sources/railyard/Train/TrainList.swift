import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard train list`: the trains, newest first.
struct TrainList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the trains, newest first.",
        discussion: "Example:\n  railyard train list --json"
    )

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.answer { service async throws(ServiceError) in try await service.trains() }
    }
}
