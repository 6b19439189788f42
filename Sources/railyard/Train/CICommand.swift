import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard ci claim|report`: CI pipelines take work from a train and report results.
struct CICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Claim CI work from a train under a lease, and report its result.",
        discussion: """
            Example:
              id=$(railyard ci claim --train 2.6.0 --as runner-7 --json | jq -r .id)
              railyard ci report "$id" --result passed --log https://ci.example.org/123 --as runner-7
            """,
        subcommands: [CIClaim.self, CIReport.self, CIWait.self]
    )
}

struct CIClaim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract:
            "Claim the next piece of work (a member's test, or the all-together run); prints nothing when there is none.",
        discussion: """
            Work is derived from the train: a test for each built member whose parents passed \
            against the current RC, and the all-together run of a staged train. The claim holds \
            a lease; a claim whose lease runs out returns to the queue. --package claims that \
            member's test (a failed one too: a retry). With --json, the item as an object, or \
            null when there is nothing to claim; the exit is 0 either way.

            Example:
              railyard ci claim --train 2.6.0 --kind test --as runner-7 --lease 30m --json
            """
    )

    @Option(help: "The train.") var train: String
    @Option(help: "test or integration (default: either); build work comes with the channel.") var kind: String?
    @Option(help: "Claim this member's test.") var package: String?
    @Option(name: .customLong("as"), help: "The runner's name.") var runner: String
    @Option(help: "How long the claim holds: Nm, Nh or Nd.") var lease: String = "30m"
    @OptionGroup var store: StoreOptions

    func run() throws {
        let json = store.output.json
        guard let duration = PolicyDuration(lease) else {
            throw refuse(code: "invalid-argument", message: "--lease \(lease): write Nm, Nh or Nd", json: json)
        }
        var workKind: WorkItem.Kind? = nil
        if let kind {
            guard let parsed = WorkItem.Kind(rawValue: kind) else {
                throw refuse(
                    code: "invalid-argument",
                    message:
                        "--kind \(kind): test or integration (build work arrives with railyard stage and the channel)",
                    json: json
                )
            }
            workKind = parsed
        }
        let item = try withStore(store) { store throws(StoreError) in
            try store.claim(
                train: train,
                kind: workKind,
                package: package,
                runner: runner,
                lease: TimeInterval(duration.seconds),
                at: Date()
            )
        }
        var out = OutputBuffer()
        if json {
            out.appendLine(
                json: item.map { item in
                    .object([
                        "id": .string(item.id),
                        "train": .string(item.train),
                        "kind": .string(item.kind.rawValue),
                        "package": item.package.map { .string($0) } ?? .null,
                        "rc": .number(item.rc),
                        "attempt": .number(item.attempt),
                        "lease_until": .string(iso(item.leaseUntil)),
                    ])
                } ?? .null
            )
        } else if let item {
            out.append("\(item.id)\n")
        }
        out.flush()
    }
}

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
    @Option(name: .customLong("as"), help: "The runner's name (the one that claimed it).") var runner: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        guard result == "passed" || result == "failed" else {
            throw refuse(
                code: "invalid-argument", message: "--result \(result): passed or failed", json: store.output.json)
        }
        let outcome = try withStore(store) { store throws(StoreError) in
            try store.report(work: work, passed: result == "passed", log: log, runner: runner, at: Date())
        }
        printOutcome(outcome, json: store.output.json)
    }
}

struct CIWait: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until the train reaches a stage; exits 0 then, 1 if it is aborted or the time runs out.",
        discussion: """
            A train that has moved past the stage counts as having reached it; a train that \
            falls back is waited for again.

            Example:
              railyard ci wait --train 2.6.0 --stage staged --timeout 6h && ./run-integration.sh
            """
    )

    @Option(help: "The train.") var train: String
    @Option(help: "The stage to wait for.") var stage: String
    @Option(help: "How long to wait at most: Nm, Nh or Nd.") var timeout: String = "1h"
    @Option(help: "How often to look, in seconds.") var interval: Double = 5
    @OptionGroup var store: StoreOptions

    func run() throws {
        let json = store.output.json
        guard let wanted = Stage(rawValue: stage) else {
            throw refuse(
                code: "invalid-argument",
                message: "--stage \(stage): one of \(Stage.allCases.map(\.rawValue).joined(separator: ", "))",
                json: json
            )
        }
        guard let limit = PolicyDuration(timeout) else {
            throw refuse(code: "invalid-argument", message: "--timeout \(timeout): write Nm, Nh or Nd", json: json)
        }
        guard interval > 0 else {
            throw refuse(code: "invalid-argument", message: "--interval must be above 0", json: json)
        }
        let deadline = Date().addingTimeInterval(TimeInterval(limit.seconds))
        while true {
            let current = try withStore(store) { store throws(StoreError) in try store.train(train).stage }
            let reached = current == wanted || (current > wanted && current != .aborted)
            if reached || current == .aborted || Date() >= deadline {
                var out = OutputBuffer()
                if json {
                    out.appendLine(
                        json: .object([
                            "train": .string(train), "stage": .string(current.rawValue), "reached": .bool(reached),
                        ]))
                } else {
                    out.append("train \(train) is \(current.rawValue)\n")
                }
                out.flush()
                if !reached {
                    let why = current == .aborted ? "the train was aborted" : "the time ran out"
                    StandardError.write("railyard: \(why) before \(wanted.rawValue)\n")
                    throw ExitStatus.refused
                }
                return
            }
            Thread.sleep(forTimeInterval: min(interval, max(0.01, deadline.timeIntervalSinceNow)))
        }
    }
}
