import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard ci wait`: a pipeline step that waits for a stage.
struct CIWait: ParsableCommand {
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
        let remote = store.remote
        var seen: (stage: Stage, revision: Int)? = nil
        while true {
            let current = try observe(remote: remote, since: seen, until: deadline, json: json)
            let reached = current.stage == wanted || (current.stage > wanted && current.stage != .aborted)
            if reached || current.stage == .aborted || Date() >= deadline {
                var out = OutputBuffer()
                if json {
                    out.appendLine(
                        json: .object([
                            "train": .string(train), "stage": .string(current.stage.rawValue),
                            "reached": .bool(reached),
                        ]))
                } else {
                    out.append("train \(train) is \(current.stage.rawValue)\n")
                }
                out.flush()
                if reached { return }
                if current.stage == .aborted {
                    StandardError.write("railyard: the train was aborted before \(wanted.rawValue)\n")
                    throw ExitStatus.aborted
                }
                StandardError.write("railyard: the time ran out before \(wanted.rawValue) (--timeout \(timeout))\n")
                throw ExitStatus.timedOut
            }
            if seen?.stage != current.stage {
                // A progress line each time the stage moves: on stdout, or stderr with --json.
                let line =
                    "\(iso(Date())) train \(train) is \(current.stage.rawValue); waiting for \(wanted.rawValue)\n"
                if json { StandardError.write(line) } else { OutputBuffer.writeAll(Array(line.utf8), to: 1) }
            }
            seen = current
            if remote == nil {
                Thread.sleep(forTimeInterval: min(interval, max(0.01, deadline.timeIntervalSinceNow)))
            }
        }
    }

    /// The train's stage and revision: read from the database, or from the server, where a
    /// long-poll (`?wait=`, `If-None-Match`) answers as soon as the train changes.
    private func observe(
        remote: Remote?, since seen: (stage: Stage, revision: Int)?, until deadline: Date, json: Bool
    ) throws
        -> (stage: Stage, revision: Int)
    {
        guard let remote else {
            return try withStore(store) { store throws(StoreError) in
                let current = try store.train(train)
                return (current.stage, current.revision)
            }
        }
        var path = "/trains/\(train)"
        var headers: [String: String] = [:]
        if let seen {
            // Well under the HTTP client's 60-second idle timeout: each poll answers in time.
            let wait = Int(min(25, max(1, deadline.timeIntervalSinceNow.rounded(.up))))
            path += "?wait=\(wait)"
            headers["If-None-Match"] = "\"\(seen.revision)\""
        }
        let reply = try remote.send("GET", path, headers: headers)
        if reply.status == 304, let seen { return seen }
        guard reply.status == 200, let object = reply.object as? [String: Any],
            let stage = (object["stage"] as? String).flatMap(Stage.init(rawValue:)),
            let revision = object["revision"] as? Int
        else {
            // An error answer is reported the documented way; anything else is not a train.
            _ = try remote.check(reply)
            throw refuse(code: "bad-answer", message: "\(remote.base): GET \(path) did not answer a train", json: json)
        }
        return (stage, revision)
    }
}
