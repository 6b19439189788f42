import ArgumentParser
import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard stage`: puts builds on a train's staging label and registers them.
struct StageCommand: ParsableCommand {
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
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        let staged = try withTrainChannel(store) { trains in
            try trains.stage(files: files, train: train, by: actor.person, at: Date())
        }
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(
                json: .object([
                    "train": .string(train),
                    "label": .string(TrainChannel.label(of: train)),
                    "staged": .array(
                        staged.map { item in
                            .object([
                                "package": .string(item.package),
                                "files": .array(item.artifacts.map { .string($0.description) }),
                                "changed": .bool(item.outcome != nil),
                                "revision": item.outcome.map { .number($0.revision) } ?? .null,
                                "events": .array((item.outcome?.events ?? []).map { .string($0.summary) }),
                            ])
                        }),
                ]))
        } else {
            for item in staged {
                let files = item.artifacts.map(\.description).joined(separator: ", ")
                if let outcome = item.outcome {
                    out.append("\(item.package): staged on \(TrainChannel.label(of: train)): \(files)\n")
                    for event in outcome.events { out.append("  \(event.summary)\n") }
                } else {
                    out.append("\(item.package): already staged (\(files)); nothing changed\n")
                }
            }
        }
        out.flush()
    }
}
