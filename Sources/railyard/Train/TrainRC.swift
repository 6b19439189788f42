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
            The package files are the core's RC builds (at the release's final version number): \
            read, put on the staging label train-VERSION, and registered with the RC; their \
            subdirs are the RC's, and the candidate gate needs one for every required subdir. \
            Without files, the core's files already on the staging label are the RC's (uploaded \
            with railyard stage FILE --train V --rc N, say); with none there, it is refused.

            Examples:
              railyard train rc 2.6.0 --number 1 pytorch-2.6.0-py311_0.conda --as alice
              railyard train rc 2.6.0 --number 2 --as alice   # the files already staged
            """
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "The RC number, above the current one.") var number: Int
    @Argument(help: "The core's RC package files (.conda or .tar.bz2).") var files: [String] = []
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        if !files.isEmpty {
            try await store.answer { service async throws(ServiceError) in
                try await service.registerRC(number, files: files, on: version, by: actor.person, guards: actor.guards)
            }
            return
        }
        try await perform(.registerRC(number: number, artifacts: []), on: version, store: store, actor: actor)
    }
}
