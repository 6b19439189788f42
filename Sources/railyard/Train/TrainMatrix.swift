import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard train matrix`: the core's builds against the builds that must pair with them.
struct TrainMatrix: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract:
            "Show the variant matrix: each build of the core in the RC against the companions' and extensions' builds.",
        discussion: """
            A row per build of the core in the current RC (subdir, python, CUDA or CPU), a \
            column per companion and C++/CUDA extension with a build, and in each cell the \
            member's build that installs with that core build, MISSING, or exempt (the catalog's \
            exempt: list, with its reason). A cell is filled only when conda matching admits \
            the pair both ways: the member's pins on the core, python, pytorch-mutex and \
            pytorch-cuda admit that core build, and the core's pins admit the member. Exits 1 \
            while a cell is missing; the promotion refuses then too.

            Example:
              railyard train matrix 2.1.0
              railyard train matrix 2.1.0 --json
            """
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.answer { service async throws(ServiceError) in try await service.matrix(of: version) }
    }
}
