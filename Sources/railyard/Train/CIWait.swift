import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard ci wait`: a pipeline step that waits for a stage.
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
    @Option(help: "How long to wait at most: Ns, Nm, Nh or Nd.") var timeout: String = "1h"
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
            throw refuse(code: "invalid-argument", message: "--timeout \(timeout): write Ns, Nm, Nh or Nd", json: json)
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
