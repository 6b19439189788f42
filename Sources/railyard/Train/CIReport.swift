import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard ci report`: a runner reports the result of claimed work.
struct CIReport: AsyncParsableCommand {
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
    @Option(
        name: .customLong("idempotency-key"), help: "Repeating the report with the same key returns the first result.")
    var idempotencyKey: String?
    @OptionGroup var store: StoreOptions

    func run() async throws {
        guard result == "passed" || result == "failed" else {
            throw refuse(
                code: "invalid-argument", message: "--result \(result): passed or failed", json: store.output.json)
        }
        try await store.answer { service async throws(ServiceError) in
            try await service.report(
                work, passed: result == "passed", log: log, by: .runner(runner),
                guards: Guards(idempotencyKey: idempotencyKey))
        }
    }
}
