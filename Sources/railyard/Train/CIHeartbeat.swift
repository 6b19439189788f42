import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore

/// `railyard ci heartbeat`: a runner extends the lease of work it holds.
struct CIHeartbeat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heartbeat",
        abstract: "Extend the lease of claimed work from now, so that a long build or test keeps it.",
        discussion: """
            Only the runner that claimed the work may extend it. Prints the work's id, or with \
            --json the claim with its new lease_until.

            Example:
              railyard ci heartbeat 2.6.0:build:torchvision:rc1 --lease 30m --as runner-7
            """
    )

    @Argument(help: "The work id from ci claim.") var work: String
    @Option(help: "How long the claim holds from now: Ns, Nm, Nh or Nd.") var lease: String = "30m"
    @Option(name: .customLong("as"), help: "The runner's name (env RAILYARD_RUNNER, default the host's name).")
    var runner: String = ProcessInfo.processInfo.environment["RAILYARD_RUNNER"] ?? ProcessInfo.processInfo.hostName
    @OptionGroup var store: StoreOptions

    func run() async throws {
        guard let duration = PolicyDuration(lease) else {
            throw refuse(
                code: "invalid-argument", message: "--lease \(lease): write Ns, Nm, Nh or Nd", json: store.output.json)
        }
        try await store.answer { service async throws(ServiceError) in
            try await service.heartbeat(
                work, leaseSeconds: Int(clamping: duration.seconds), by: .runner(runner), guards: Guards())
        }
    }
}
