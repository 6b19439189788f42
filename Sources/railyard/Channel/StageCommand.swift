import ArgumentParser
import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard stage`: puts builds on a train's staging label and registers them.
struct StageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Put builds of train members on the train's staging label (train-VERSION) and register them.",
        discussion: """
            Each file is read as a conda package (.conda or .tar.bz2; its own info/index.json \
            decides name, version and subdir) and must belong to a member of the train; its \
            dependency specs must admit the train's versions. Every file and rule is checked \
            before anything is written. Staging the same files again changes nothing; a \
            different file under a published file name is refused. The core's files are an \
            RC: railyard train rc.

            Exit codes: 0 staged (or already there); 1 refused by a rule; 2 a file that is not \
            a sound conda package, or bad usage.

            Example:
              railyard stage torchvision-0.21.0-py311_0.conda --train 2.6.0 --as vision-team
            """
    )

    @Argument(help: "Package files (.conda or .tar.bz2).") var files: [String]
    @Option(help: "The train.") var train: String
    @Option(help: "The core's files: register them as RC N (as railyard train rc does).") var rc: Int?
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        if let rc {
            try await store.answer { service async throws(ServiceError) in
                try await service.registerRC(rc, files: files, on: train, by: actor.person, guards: actor.guards)
            }
            return
        }
        try await store.answer { service async throws(ServiceError) in
            try await service.stage(files, on: train, by: actor.person, guards: actor.guards)
        }
    }
}
