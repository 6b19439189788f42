import ArgumentParser
import Foundation
import RailyardCore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A server to send commands to instead of the local database (`--server URL`, env
/// `RAILYARD_SERVER`), with the token to send (`--token`, env `RAILYARD_TOKEN`).
struct Remote {
    var base: URL
    var token: String?
    var json: Bool

    /// The reply: status and JSON body.
    struct Reply {
        var status: Int
        var body: Data
        var object: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    }

    /// Sends one request and waits for the reply; a failure to connect is bad input (exit 2).
    func send(
        _ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json",
        headers: [String: String] = [:]
    ) throws -> Reply {
        guard let url = URL(string: base.absoluteString.trimmingSuffix("/") + "/api/v1" + path) else {
            throw refuse(code: "invalid-argument", message: "--server \(base): not a URL", json: json)
        }
        var request = URLRequest(url: url, timeoutInterval: 120)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let result = Mutex<Result<Reply, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            let reply: Result<Reply, any Error> =
                if let error {
                    .failure(error)
                } else {
                    .success(Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data ?? Data()))
                }
            result.withLock { $0 = reply }
            done.signal()
        }.resume()
        done.wait()
        switch result.withLock({ $0 })! {
        case .success(let reply): return reply
        case .failure(let error):
            throw refuse(
                code: "server-unreachable", message: "\(base): \(error.localizedDescription)", json: json)
        }
    }

    /// Sends a command and returns the reply's JSON object, or reports the server's error the
    /// documented way: exit 1 when a rule or a role refused it (403, 409, 429), 2 otherwise.
    func command(_ method: String, _ path: String, body: [String: Any] = [:], headers: [String: String] = [:])
        throws -> Any
    {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try check(try send(method, path, body: method == "GET" ? nil : data, headers: headers))
    }

    func check(_ reply: Reply) throws -> Any {
        if (200..<300).contains(reply.status) { return reply.object ?? NSNull() }
        let error = (reply.object as? [String: Any])?["error"] as? [String: Any]
        let code = error?["code"] as? String ?? "http-\(reply.status)"
        let message = error?["message"] as? String ?? "the server answered \(reply.status)"
        if json {
            var out = OutputBuffer()
            out.append(String(decoding: reply.body, as: UTF8.self))
            if !reply.body.isEmpty && reply.body.last != 0x0A { out.append("\n") }
            out.flush()
        }
        StandardError.write("railyard: \(message)\n")
        // A key reused for another request is a refusal, as it is locally (exit 1).
        let refused = [403, 409, 429].contains(reply.status) || code == "idempotency-conflict"
        throw refused ? ExitStatus.refused : ExitStatus.badInput
    }

    /// The path and body of a train command, as the API has it.
    static func route(of command: TrainCommand, on version: String) -> (String, [String: Any])? {
        let train = "/trains/\(segment(version))"
        switch command {
        case .registerRC(let number, let subdirs, _): return ("\(train)/rc", ["number": number, "subdirs": subdirs])
        case .advance: return ("\(train)/advance", [:])
        case .abort(let reason): return ("\(train)/abort", ["reason": reason])
        case .markFinal(let rc): return ("\(train)/final", ["rc": rc])
        case .acknowledge(let member, let eta):
            return (
                "\(train)/members/\(segment(member))/ack",
                eta.map { ["eta": ISO8601DateFormatter().string(from: $0)] } ?? [:]
            )
        case .decline(let member, let reason):
            return ("\(train)/members/\(segment(member))/decline", ["reason": reason])
        case .exclude(let member, let reason, let cascade):
            return ("\(train)/members/\(segment(member))/exclude", ["reason": reason, "cascade": cascade])
        case .waive(let member, let reason): return ("\(train)/members/\(segment(member))/waive", ["reason": reason])
        default: return nil
        }
    }

    /// `text` as one path segment: percent-encoded, `/` included, as the server decodes it.
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/%?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Prints a command's outcome as the local commands do.
    static func printOutcome(_ object: Any, json: Bool) {
        var out = OutputBuffer()
        if json {
            out.append(
                String(
                    decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(),
                    as: UTF8.self) + "\n")
        } else if let outcome = object as? [String: Any] {
            let note = outcome["replayed"] as? Bool == true ? " (repeated idempotency key: nothing changed)" : ""
            out.append(
                "train \(outcome["train"] as? String ?? "?") at revision \(outcome["revision"] as? Int ?? 0)\(note)\n")
            for event in outcome["events"] as? [String] ?? [] { out.append("  \(event)\n") }
        }
        out.flush()
    }
}

extension StoreOptions {
    /// The server to talk to, when `--server` (or `RAILYARD_SERVER`) is given.
    var remote: Remote? {
        guard let server, let url = URL(string: server) else { return nil }
        return Remote(base: url, token: token, json: output.json)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
