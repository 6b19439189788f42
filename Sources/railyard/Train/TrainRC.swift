import ArgumentParser
import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard train rc`: registers a release candidate of the core.
struct TrainRC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rc",
        abstract: "Register release candidate N of the core; builds and results of the previous one go stale.",
        discussion: """
            With package files, they are the core's RC builds (at the release's final version \
            number): read, put on the staging label train-VERSION, and registered with the RC; \
            their subdirs are the RC's. Without files, --subdir names the subdirs the RC has \
            artifacts for (repeatable; default: every required subdir of the catalog).

            Examples:
              railyard train rc 2.6.0 --number 1 pytorch-2.6.0-py311_0.conda --as alice
              railyard train rc 2.6.0 --number 1 --subdir linux-64 --as alice
            """
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "The RC number, above the current one.") var number: Int
    @Argument(help: "The core's RC package files (.conda or .tar.bz2).") var files: [String] = []
    @Option(name: .customLong("subdir"), help: "A subdir with RC artifacts (repeatable).") var subdirs: [String] = []
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        if !files.isEmpty {
            if !subdirs.isEmpty {
                throw refuse(
                    code: "invalid-argument",
                    message: "--subdir is for an RC without files: its files name their subdirs",
                    json: store.output.json)
            }
            try await store.answer { service async throws(ServiceError) in
                try await service.registerRC(number, files: files, on: version, by: actor.person, guards: actor.guards)
            }
            return
        }
        try await perform(.registerRC(number: number, subdirs: subdirs), on: version, store: store, actor: actor)
    }
}
