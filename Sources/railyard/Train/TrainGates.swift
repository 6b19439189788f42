import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard train gates`: the current gate, check by check, with the root causes.
struct TrainGates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gates",
        abstract: "Show the checks of the current gate and the few actionable root causes, with owners and age.",
        discussion: "Example:\n  railyard train gates 2.6.0"
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.answer { service async throws(ServiceError) in try await service.gates(of: version) }
    }
}
