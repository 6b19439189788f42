import ArgumentParser
import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard channel …`: the local conda channel.
struct ChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel",
        abstract: "Index, verify and inspect the local conda channel.",
        discussion: """
            The channel is a folder conda, mamba, pixi and rattler read as a file:// URL: \
            DIR/SUBDIR/repodata.json is main, DIR/label/LABEL/SUBDIR/repodata.json any other \
            label. main is switched all at once through the DIR/.main link.

            Example:
              railyard channel verify ./.railyard/channel
            """,
        subcommands: [
            ChannelIndex.self, ChannelVerify.self, ChannelInspect.self, ChannelPatches.self, ChannelRevoke.self,
            ChannelLog.self, ChannelCheckServed.self,
        ]
    )
}

/// Options of the channel commands: the folder as an argument or --channel.
struct ChannelArguments: ParsableArguments {
    @Argument(help: "The channel folder (default: --channel, env RAILYARD_CHANNEL).") var directory: String?
    @OptionGroup var store: StoreOptions

    /// The options with the folder argument as the channel; a folder is a local channel, so it
    /// cannot go with `--server`.
    func resolved() throws -> StoreOptions {
        var options = store
        if let directory {
            guard store.server == nil else {
                throw refuse(
                    code: "invalid-argument",
                    message:
                        "\(directory) is a local channel folder: leave out --server, or the folder to use the server's",
                    json: store.output.json)
            }
            options.channel = directory
        }
        return options
    }
}

struct ChannelIndex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Rebuild every label's repodata from the package files present (adopts an existing channel).",
        discussion: """
            Every package file is read first; one that is not a sound package refuses the whole \
            index and changes nothing. main becomes a new generation in one step.

            Example:
              railyard channel index ./my-channel
            """
    )

    @OptionGroup var arguments: ChannelArguments

    func run() async throws {
        let options = try arguments.resolved()
        let actor = ActorOptions.defaultPerson
        try await options.answer { service async throws(ServiceError) in
            try await service.index(by: actor, guards: Guards())
        }
    }
}

struct ChannelVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every repodata entry's file exists with its size and sha256, and no file is unlisted.",
        discussion: """
            Temporary files an interrupted write left (NAME.tmp-PID) are listed as leftovers, not \
            problems: the next stage or channel index removes them. Without a database at --db, \
            nothing is created: a promotion in flight is reported rather than finished.

            Exit codes: 0 clean; 1 problems found (each named); 2 not a channel.

            Example:
              railyard channel verify ./.railyard/channel --json
            """
    )

    @OptionGroup var arguments: ChannelArguments

    func run() async throws {
        let options = try arguments.resolved()
        guard options.server == nil else {
            try await options.answer { service async throws(ServiceError) in try await service.verify() }
            return
        }
        guard FileManager.default.fileExists(atPath: options.channel) else {
            throw refuseChannel(
                .notAChannel(path: options.channel, message: "no such folder"), json: options.output.json)
        }
        // Recovery asks the database whether an interrupted promotion was committed; without a
        // database, nothing is opened or created, and a change in flight is reported instead.
        if FileManager.default.fileExists(atPath: options.db) {
            try await options.answer { service async throws(ServiceError) in try await service.verify() }
            return
        }
        let channel: LocalChannel
        do {
            channel = try LocalChannel(path: options.channel)
        } catch {
            throw refuseChannel(error, json: options.output.json)
        }
        try options.print(VerifyResponse(channel))
    }
}

struct ChannelInspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Read a conda package file and print the repodata record it would get, every field.",
        discussion: """
            Example:
              railyard channel inspect torchvision-0.21.0-py311_0.conda --json
            """
    )

    @Argument(help: "A .conda or .tar.bz2 file.") var file: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let record: PackageRecord
        do {
            record = try PackageReader.read(path: file)
        } catch {
            throw refuseChannel(.package(error), json: output.json)
        }
        var out = OutputBuffer()
        if output.json {
            out.appendLine(json: record.json)
        } else {
            out.append("\(record.fileName)\n  \(record.name) \(record.version) \(record.build) (\(record.subdir))\n")
            for spec in record.depends { out.append("  depends \(spec)\n") }
            for spec in record.constrains { out.append("  constrains \(spec)\n") }
            for (key, value) in [
                ("noarch", record.noarch), ("license", record.license), ("license_family", record.licenseFamily),
                ("features", record.features), ("track_features", record.trackFeatures),
                ("timestamp", record.timestamp.map(String.init)),
            ] {
                if let value { out.append("  \(key) \(value)\n") }
            }
            for (key, value) in (record.extra ?? [:]).sorted(by: { $0.key < $1.key }) {
                if case .string(let text) = value {
                    out.append("  \(key) \(text)\n")
                } else {
                    out.append("  \(key) \(value.encoded)\n")
                }
            }
            out.append("  \(record.size) bytes, md5 \(record.md5), sha256 \(record.sha256)\n")
        }
        out.flush()
    }
}
