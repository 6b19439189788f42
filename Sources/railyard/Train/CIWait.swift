import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard ci wait`: a pipeline step that waits for a stage.
struct CIWait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until the train reaches a stage; exits 0 then, 3 if it is aborted, 4 if the time runs out.",
        discussion: """
            A train that has moved past the stage counts as having reached it; a train that \
            falls back is waited for again. A progress line is printed each time the stage moves. \
            With --server it long-polls the API, so it answers as soon as the train changes.

            Example:
              railyard ci wait --train 2.6.0 --stage staged --timeout 6h && ./run-integration.sh
            """
    )

    @Option(help: "The train.") var train: String
    @Option(help: "The stage to wait for.") var stage: String
    @Option(help: "How long to wait at most: Ns, Nm, Nh or Nd.") var timeout: String = "1h"
    @Option(help: "How often to look at a local database, in seconds.") var interval: Double = 5
    @OptionGroup var store: StoreOptions

    func run() async throws {
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
        var service = try store.service()
        if var local = service as? LocalTrainService {
            local.pollInterval = .milliseconds(Int(clamping: Int64((interval * 1000).rounded(.up))))
            service = local
        }
        var seen: WatchResponse? = nil
        while true {
            let current: WatchResponse
            do {
                // Well under the HTTP client's 60-second idle timeout: each long-poll answers in time.
                let wait = Int(min(25, max(0, deadline.timeIntervalSinceNow.rounded(.up))))
                current = try await service.watch(train, after: seen?.revision, wait: wait) ?? seen!
            } catch {
                throw refuse(error, json: json)
            }
            let stage = Stage(rawValue: current.stage) ?? .planned
            let reached = stage == wanted || (stage > wanted && stage != .aborted)
            if reached || stage == .aborted || Date() >= deadline {
                let answer = WaitResponse(train: train, stage: current.stage, reached: reached)
                var out = OutputBuffer()
                out.append(json ? String(decoding: Wire.encode(answer), as: UTF8.self) + "\n" : answer.text)
                out.flush()
                if reached { return }
                if stage == .aborted {
                    StandardError.write("railyard: the train was aborted before \(wanted.rawValue)\n")
                    throw ExitStatus.aborted
                }
                StandardError.write("railyard: the time ran out before \(wanted.rawValue) (--timeout \(timeout))\n")
                throw ExitStatus.timedOut
            }
            if seen?.stage != current.stage {
                // A progress line each time the stage moves: on stdout, or stderr with --json.
                let line = "\(iso(Date())) train \(train) is \(current.stage); waiting for \(wanted.rawValue)\n"
                if json { StandardError.write(line) } else { OutputBuffer.writeAll(Array(line.utf8), to: 1) }
            }
            seen = current
        }
    }
}

extension WaitResponse: Rendered {
    var text: String { "train \(train) is \(stage)\n" }
}
