import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard ci claim`: a runner takes the next piece of work under a lease.
struct CIClaim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract:
            "Claim the next piece of work (a build, a member's test, or the all-together run); prints nothing when there is none.",
        discussion: """
            Work is derived from the train: a build of each companion (and, in downstream, each \
            C++/CUDA member) whose request is open and whose parents have builds; a test for \
            each built member whose parents passed against the current RC; and the all-together \
            run of a staged train. Builds come first. A build is reported passed only after its \
            artifact is staged (railyard stage FILE --train V). The claim holds a lease; a \
            claim whose lease runs out returns to the queue. --package claims that member's \
            work (a failed one too: a retry). With --json, the item as an object, or null when \
            there is nothing to claim; the exit is 0 either way.

            When the RC has builds for several cells (python x CUDA/CPU x subdir), a companion \
            or C++/CUDA member is built and tested in each cell, and every other member once per \
            subdir: each is its own piece of work, named by its cell (linux-64/py3.11_cuda12.1). \
            --subdir and --variant keep to the cells a runner pool can run; the item carries the \
            specs that pin its cell and the labels to install from (the staging label, then main).

            Examples:
              railyard ci claim --train 2.6.0 --kind test --as runner-7 --lease 30m --json
              railyard ci claim --train 2.6.0 --subdir linux-64 --variant cuda12.1 --as gpu-runner-3
            """
    )

    @Option(help: "The train.") var train: String
    @Option(help: "build, test or integration (default: any).") var kind: String?
    @Option(help: "Claim this member's work (a retry after a failure).") var package: String?
    @Option(help: "Only work in cells of this subdir (linux-64, win-64, ...).") var subdir: String?
    @Option(help: "Only work in the cells this names: cuda12.1, cuda12, cpu, py3.11, or py3.11_cuda12.1.")
    var variant: String?
    @Option(name: .customLong("as"), help: "The runner's name (env RAILYARD_RUNNER, default the host's name).")
    var runner: String = ProcessInfo.processInfo.environment["RAILYARD_RUNNER"] ?? ProcessInfo.processInfo.hostName
    @Option(help: "How long the claim holds: Ns, Nm, Nh or Nd.") var lease: String = "30m"
    @Option(
        name: .customLong("idempotency-key"), help: "Repeating the claim with the same key returns the first item.")
    var idempotencyKey: String?
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let json = store.output.json
        guard let duration = PolicyDuration(lease) else {
            throw refuse(code: "invalid-argument", message: "--lease \(lease): write Ns, Nm, Nh or Nd", json: json)
        }
        var workKind: WorkItem.Kind? = nil
        if let kind {
            guard let parsed = WorkItem.Kind(rawValue: kind) else {
                throw refuse(
                    code: "invalid-argument",
                    message: "--kind \(kind): build, test or integration",
                    json: json
                )
            }
            workKind = parsed
        }
        try await store.answer { service async throws(ServiceError) in
            try await service.claim(
                on: train, kind: workKind?.rawValue, package: package, subdir: subdir, variant: variant,
                leaseSeconds: Int(clamping: duration.seconds),
                by: .runner(runner), guards: Guards(idempotencyKey: idempotencyKey))
        }
    }
}
