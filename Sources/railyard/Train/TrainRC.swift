import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train rc`: registers a release candidate of the core.
struct TrainRC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rc",
        abstract: "Register release candidate N of the core; builds and results of the previous one go stale.",
        discussion: """
            --subdir names the subdirs the RC has artifacts for (repeatable; default: every \
            required subdir of the catalog).

            Example:
              railyard train rc 2.6.0 --number 1 --as alice
            """
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "The RC number, above the current one.") var number: Int
    @Option(name: .customLong("subdir"), help: "A subdir with RC artifacts (repeatable).") var subdirs: [String] = []
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        var subdirs = self.subdirs
        if subdirs.isEmpty {
            subdirs = try withStore(store) { store throws(StoreError) in try store.train(version).requiredSubdirs }
        }
        try perform(.registerRC(number: number, subdirs: subdirs), on: version, store: store, actor: actor)
    }
}
