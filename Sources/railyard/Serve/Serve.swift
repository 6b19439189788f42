import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RailyardCore
import RailyardServer
import RailyardStore

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

            Every connection is held to limits: at most --max-connections open (one more \\
            is answered 503 and closed), a request's head within --header-timeout (408), \\
            nothing sent for --idle-timeout while no response is being written (closed: \\
            long-polls and downloads the server is answering are never idle), and a head \\
            of at most --max-header-size bytes (431).

            Example:
              railyard serve --catalog examples/pytorch/distro.yml --port 8080
            """
    )

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Option(help: "The catalog that POST /api/v1/trains creates trains from.") var catalog: String?
    @Flag(
        name: .customLong("private"),
        help: "Every request but /health needs a token: reads, the channel's files and /metrics too.")
    var isPrivate = false
    @Option(
        help: ArgumentHelp(
            "Connections open at once; one more is answered 503 and closed.",
            discussion:
                "Lowered, with a notice, to half the open-file limit less 256 (the limit is raised to its hard one)."
        ))
    var maxConnections = 4096
    @Option(help: "Seconds a request's head may take to arrive (408 and closed after).") var headerTimeout = 10
    @Option(
        help: "Seconds a connection may send nothing while no response is being written (closed after).")
    var idleTimeout = 75
    @Option(help: "The largest request line and header fields, in bytes (431 beyond).") var maxHeaderSize = 32768
    @Option(help: "trace, debug, info (a line per request), notice, warning or error.") var logLevel = "info"
    @OptionGroup var notify: NotifyOptions
    @Option(help: "How often the deadline sweep runs: Ns, Nm, Nh or Nd.") var sweepEvery = "1m"
    @OptionGroup var store: StoreOptions

    func run() async throws {
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.database = store.db
        options.createDatabase = store.initDatabase
        options.channel = store.channel
        options.catalog = catalog
        options.isPrivate = isPrivate
        for (flag, value) in [
            ("--max-connections", maxConnections), ("--header-timeout", headerTimeout), ("--idle-timeout", idleTimeout),
            ("--max-header-size", maxHeaderSize),
        ] where value < 1 || value > 1 << 30 {
            throw refuse(
                code: "invalid-argument", message: "\(flag) \(value): write a whole number from 1 to \(1 << 30)",
                json: store.output.json)
        }
        options.maxConnections = maxConnections
        options.headerTimeout = .seconds(headerTimeout)
        options.idleTimeout = .seconds(idleTimeout)
        options.maxHeaderSize = maxHeaderSize
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
        } catch let error as StoreError {
            throw refuseStore(error, json: store.output.json)
        } catch {
            throw refuse(code: "cannot-start", message: "\(error)", json: store.output.json)
        }
        let app = RailyardServer.makeApplication(state: state, logger: logger)
        try await app.runService()
    }
}
