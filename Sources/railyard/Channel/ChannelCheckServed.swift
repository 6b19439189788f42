import ArgumentParser
import Foundation
import RailyardApplication
import RailyardChannel

/// `railyard channel check-served URL`: is what users receive the main this channel has?
struct ChannelCheckServed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-served",
        abstract:
            "Check that a URL serving the channel (the server, a CDN, a mirror) serves main's current generation.",
        discussion: """
            Fetches every subdir's repodata.json and repodata.json.zst from URL (the channel's \
            base URL, as users are given it: http://HOST:8080/channel) and compares each with \
            main's current generation here, by sha256. Run it after a promotion: a cache or mirror \
            still serving the old main is named, file by file.

            Exit codes: 0 every file is current; 1 a file is stale, missing or unreachable (each \
            named); 2 bad input or not a channel.

            Example:
              railyard channel check-served https://conda.example.org/pytorch --channel /srv/channel
            """
    )

    @Argument(help: "The channel's base URL (http, https or file).") var url: String
    @OptionGroup var arguments: ChannelArguments

    func run() async throws {
        let options = try arguments.resolved()
        guard options.server == nil else {
            throw refuse(
                code: "local-only",
                message: "check-served compares with the channel folder on this machine: leave out --server",
                json: options.output.json)
        }
        let channel: LocalChannel
        do {
            channel = try LocalChannel(path: options.channel)
        } catch {
            throw refuseChannel(error, json: options.output.json)
        }
        let answer: ServedResponse
        do {
            answer = try await ServedCheck.check(channel, url: url)
        } catch {
            throw refuse(error, json: options.output.json)
        }
        try options.print(answer)
    }
}

extension ServedResponse: Rendered {
    var text: String {
        var out = ok ? "ok: \(url) serves main's generation \(mainGeneration), every index file\n" : ""
        for file in files where file.state != "current" {
            out += "\(file.path): \(file.state): \(file.detail ?? "")\n"
        }
        return out
    }

    var refusal: ExitCode? { ok ? nil : ExitStatus.refused }
}
