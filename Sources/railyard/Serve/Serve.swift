import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RailyardCore
import RailyardServer

/// `railyard serve`: the main job — the API, the channel over HTTP, health and metrics.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the API, the channel over HTTP, /health and /metrics (stops cleanly on SIGTERM or SIGINT).",
        discussion: """
            Runs on its embedded defaults with no flag at all: the database ./.railyard/railyard.sqlite \\
            and the channel folder ./.railyard/channel, on 127.0.0.1:8080. Logs one structured \\
            line per request on standard error. On SIGTERM or SIGINT, requests in flight \\
            finish and open long-polls are answered before it exits.

            Example:
              railyard serve --catalog examples/pytorch/distro.yml --port 8080
            """
    )

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Option(help: "The catalog that POST /api/v1/trains creates trains from.") var catalog: String?
    @Flag(name: .customLong("private"), help: "Reads need a token too.") var isPrivate = false
    @Option(help: "trace, debug, info (a line per request), notice, warning or error.") var logLevel = "info"
    @OptionGroup var notify: NotifyOptions
    @Option(help: "How often the deadline sweep runs: Ns, Nm, Nh or Nd.") var sweepEvery = "1m"
    @OptionGroup var store: StoreOptions

    func run() async throws {
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.database = store.db
        options.channel = store.channel
        options.catalog = catalog
        options.isPrivate = isPrivate
        options.publicURL = notify.publicURL ?? "http://\(host):\(port)"
        options.sendmail = notify.sendmailProgram
        options.mailFrom = notify.mailFrom
        options.retry = try notify.retryPolicy(json: store.output.json)
        guard let sweep = PolicyDuration(sweepEvery) else {
            throw refuse(
                code: "invalid-argument", message: "--sweep-every \(sweepEvery): write Ns, Nm, Nh or Nd",
                json: store.output.json)
        }
        options.sweepEvery = .seconds(sweep.seconds)
        var logger = Logger(label: "railyard")
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw refuse(
                code: "invalid-argument",
                message: "--log-level \(logLevel): trace, debug, info, notice, warning or error",
                json: store.output.json)
        }
        logger.logLevel = level
        let state: ServerState
        do {
            try FileManager.default.createDirectory(
                atPath: options.channel, withIntermediateDirectories: true)
            state = try ServerState(options: options)
        } catch {
            throw refuse(code: "cannot-start", message: "\(error)", json: store.output.json)
        }
        let app = RailyardServer.makeApplication(state: state, logger: logger)
        try await app.runService()
    }
}
