import ArgumentParser
import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard channel patches`: proposes repodata patches for unbounded pins on the core.
struct ChannelPatches: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patches",
        abstract: "Propose repodata patches for builds on main whose spec on the core has no upper bound.",
        discussion: """
            Lists the builds already on main that a solver would pair with the train's new core \
            because their dependency on it has no upper bound, and a conda-forge style \
            patch_instructions.json per subdir that adds one: below the next minor release \
            for a build that passed against the new core in this train, below the new release \
            for every other. A proposal to review; nothing is applied.

            Example:
              railyard channel patches --train 2.6.0 --json > patches.json
            """
    )

    @Option(help: "The train.") var train: String
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.answer { service async throws(ServiceError) in try await service.patches(for: train) }
    }
}
