import ArgumentParser
import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard channel patches`: proposes repodata patches for unbounded pins on the core.
struct ChannelPatches: ParsableCommand {
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

    func run() throws {
        let proposals = try withTrainChannel(store) { trains in
            try trains.recover()
            let main = try trains.channel.snapshot(label: "main").subdirs.mapValues(\.records)
            return try trains.store.train(train).patchProposals(main: main)
        }
        var out = OutputBuffer()
        if store.output.json {
            var instructions: [String: JSONValue] = [:]
            for (subdir, items) in Dictionary(grouping: proposals, by: \.subdir) {
                var tarBz2: [String: JSONValue] = [:]
                var conda: [String: JSONValue] = [:]
                for item in items {
                    let patch = JSONValue.object(["depends": .array(item.depends.map { .string($0) })])
                    if item.fileName.hasSuffix(".conda") {
                        conda[item.fileName] = patch
                    } else {
                        tarBz2[item.fileName] = patch
                    }
                }
                instructions[subdir] = .object([
                    "patch_instructions_version": .number(1), "packages": .object(tarBz2),
                    "packages.conda": .object(conda), "remove": .array([]), "revoke": .array([]),
                ])
            }
            out.appendLine(
                json: .object([
                    "train": .string(train),
                    "affected": .array(
                        proposals.map { item in
                            .object([
                                "subdir": .string(item.subdir), "file": .string(item.fileName),
                                "package": .string(item.package), "version": .string(item.version),
                                "spec": .string(item.spec), "proposed": .string(item.proposed),
                                "reason": .string(item.reason),
                            ])
                        }),
                    "patch_instructions": .object(instructions),
                ]))
        } else if proposals.isEmpty {
            out.append("no build on main pins the core without an upper bound\n")
        } else {
            for item in proposals {
                out.append("\(item.subdir)/\(item.fileName): '\(item.spec)' -> '\(item.proposed)' (\(item.reason))\n")
            }
            out.append("a proposal to review: nothing was applied (--json gives patch_instructions.json per subdir)\n")
        }
        out.flush()
    }
}
