import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard ci report`: a runner reports the result of claimed work.
struct CIReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report the result of claimed work; a result against a stale RC is refused.",
        discussion:
            "Example:\n  railyard ci report 2.6.0:test:kornia:rc1 --result failed --log https://ci.example.org/9 --as runner-7"
    )

    @Argument(help: "The work id from ci claim.") var work: String
    @Option(help: "passed or failed.") var result: String
    @Option(help: "Where the log is.") var log: String?
    @Option(
        name: .customLong("as"),
        help: "The runner's name, the one that claimed it (env RAILYARD_RUNNER, default the host's name).")
    var runner: String = ProcessInfo.processInfo.environment["RAILYARD_RUNNER"] ?? ProcessInfo.processInfo.hostName
    @OptionGroup var store: StoreOptions

    func run() throws {
        guard result == "passed" || result == "failed" else {
            throw refuse(
                code: "invalid-argument", message: "--result \(result): passed or failed", json: store.output.json)
        }
        if let remote = store.remote {
            var body: [String: Any] = ["result": result]
            if let log { body["log"] = log }
            Remote.printOutcome(try remote.command("POST", "/work/\(work)/report", body: body), json: remote.json)
            return
        }
        let outcome = try withStore(store) { store throws(StoreError) in
            try store.report(work: work, passed: result == "passed", log: log, runner: runner, at: Date())
        }
        printOutcome(outcome, json: store.output.json)
    }
}
