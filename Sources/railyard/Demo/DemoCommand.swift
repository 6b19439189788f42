import ArgumentParser
import Foundation
import Logging
import RailyardChannel
import RailyardCore
import RailyardServer
import RailyardStore
import RailyardYAML

/// `railyard demo`: a live train on the embedded defaults, for a first look.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Set up a real channel and a train part-way to release, then serve them: the product at work.",
        discussion: """
            In --dir (default ./.railyard-demo) it makes a local conda channel of tiny but real \\
            packages for the example catalog as it stands before torch 2.6.0, a train for 2.6.0 \\
            driven part-way as its users would (an RC, the companions built and passed, bumps \\
            acknowledged and staged, one member failing its tests, one request overdue, one \\
            declined), then serves it like `railyard serve`. Running it again starts afresh. \\
            Ctrl-C stops it.

            Example:
              railyard demo --port 8080
            """)

    @Option(help: "The scratch folder (recreated on each run).") var dir = "./.railyard-demo"
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Option(help: "The catalog of the distribution.") var catalog = "examples/pytorch/distro.yml"
    @Flag(help: "Set up, print what to try, and exit without serving.") var noServe = false
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let json = output.json
        guard FileManager.default.fileExists(atPath: catalog) else {
            throw refuse(
                code: "invalid-argument",
                message:
                    "--catalog \(catalog): no such file (run the demo from Railyard's folder, or name a catalog)",
                json: json)
        }
        let parsed = try loadCatalog(catalog, json: json)
        let root = URL(fileURLWithPath: dir).standardizedFileURL.path
        let progress = DemoProgress()
        let scene: DemoScene
        do {
            try DemoScene.prepare(root)
            progress.say("setting up the demo in \(root)")
            scene = try DemoScene.build(root: root, catalogPath: catalog, catalog: parsed, progress: progress)
        } catch let error as DemoError {
            throw refuse(code: "demo-failed", message: error.description, json: json)
        }
        let url = "http://\(host):\(port)"
        var out = OutputBuffer()
        if json {
            out.appendLine(
                json: .object([
                    "train": .string(scene.version), "stage": .string("downstream"), "dir": .string(root),
                    "page": .string("\(url)/trains/\(scene.version)"),
                    "api": .string("\(url)/api/v1/trains/\(scene.version)"),
                    "channel": .string("\(url)/channel/"), "token": .string(scene.token),
                ]))
        } else {
            out.append(scene.instructions(url: url))
        }
        out.flush()
        if noServe { return }

        var options = ServerOptions()
        options.host = host
        options.port = port
        options.database = scene.database
        options.channel = scene.channel
        options.catalog = catalog
        options.deliverNotifications = false
        var logger = Logger(label: "railyard.demo")
        logger.logLevel = .warning
        let state: ServerState
        do {
            state = try ServerState(options: options)
        } catch {
            throw refuse(code: "cannot-start", message: "\(error)", json: json)
        }
        try await RailyardServer.makeApplication(state: state, logger: logger).runService()
    }
}

/// Progress lines on a terminal; nothing when standard error is not one.
struct DemoProgress: Sendable {
    let enabled = isatty(STDERR_FILENO) == 1
    func say(_ line: String) { if enabled { StandardError.write("demo: \(line)\n") } }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
