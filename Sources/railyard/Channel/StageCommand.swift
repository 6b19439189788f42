import ArgumentParser
import Foundation
import RailyardApplication
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
    @Option(help: "The core's files: register them as RC N (as railyard train rc does).") var rc: Int?
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        if let remote = store.remote {
            if rc != nil && files.count > 1 {
                throw refuse(
                    code: "invalid-argument", message: "with --server, an RC is one file per request", json: remote.json
                )
            }
            // Each file is uploaded; the server reads, checks and stages it.
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw refuse(code: "unreadable-file", message: "\(file): cannot be read", json: remote.json)
                }
                let name = (file as NSString).lastPathComponent
                let encoded = name.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? name
                let rcQuery = rc.map { "&rc=\($0)" } ?? ""
                let reply = try remote.send(
                    "POST", "/trains/\(train)/artifacts?filename=\(encoded)\(rcQuery)", body: data,
                    contentType: "application/octet-stream")
                let object = try remote.check(reply)
                var out = OutputBuffer()
                if remote.json {
                    out.append(String(decoding: reply.body, as: UTF8.self))
                } else if let outcome = object as? [String: Any] {
                    Remote.printOutcome(outcome, json: false)
                } else {
                    for item in object as? [[String: Any]] ?? [] {
                        let changed = item["changed"] as? Bool == true
                        out.append(
                            "\(item["package"] as? String ?? name): \(changed ? "staged" : "already staged") (\(name))\n"
                        )
                    }
                }
                out.flush()
            }
            return
        }
        if let rc {
            let outcome = try withTrainChannel(store) { trains in
                try trains.registerRC(number: rc, files: files, train: train, by: actor.person, at: Date())
            }
            printOutcome(outcome, json: store.output.json)
            return
        }
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
