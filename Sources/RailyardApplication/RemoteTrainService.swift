import Foundation
import RailyardCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The use cases on a Railyard server (`--server URL`), through its HTTP API: the same
/// requests, the same response types, the same errors as ``LocalTrainService``. The token says
/// who acts; the `actor` of a call is not sent.
package struct RemoteTrainService: TrainService {
    package let base: URL
    package let token: String?

    package init(base: URL, token: String?) {
        self.base = base
        self.token = token
    }

    package func trains() async throws(ServiceError) -> TrainListResponse {
        try await send("GET", "/trains")
    }

    package func status(of train: String) async throws(ServiceError) -> TrainStatusResponse {
        try await send("GET", "/trains/\(Self.segment(train))")
    }

    package func gates(of train: String) async throws(ServiceError) -> GatesResponse {
        try await send("GET", "/trains/\(Self.segment(train))/gates")
    }

    package func log(of train: String) async throws(ServiceError) -> TrainLogResponse {
        try await send("GET", "/trains/\(Self.segment(train))/log")
    }

    package func run(_ command: TrainCommand, on train: String, by actor: Actor, guards: Guards)
        async throws(ServiceError) -> CommandResponse
    {
        guard let (path, body) = Self.route(of: command, on: train) else {
            throw ServiceError(.invalid, "invalid-argument", "\(command.name) is not available with --server")
        }
        return try await send("POST", path, body: body, guards: guards)
    }

    package func promote(_ train: String, move: Bool, expectMain: Int?, by actor: Actor, guards: Guards)
        async throws(ServiceError) -> PromotionResponse
    {
        var body: [String: JSONValue] = ["yes": .bool(move)]
        if let expectMain { body["expect_main"] = .number(expectMain) }
        return try await send("POST", "/trains/\(Self.segment(train))/promote", body: body, guards: guards)
    }

    package func matrix(of train: String) async throws(ServiceError) -> MatrixResponse {
        try await send("GET", "/trains/\(Self.segment(train))/matrix")
    }

    package func patches(for train: String) async throws(ServiceError) -> PatchesResponse {
        try await send("GET", "/trains/\(Self.segment(train))/patches")
    }

    package func create(
        _ train: String, companions: [String: String], staleOK: Bool, by actor: Actor, guards: Guards
    ) async throws(ServiceError) -> CommandResponse {
        var body: [String: JSONValue] = [
            "version": .string(train), "companions": .object(companions.mapValues { .string($0) }),
        ]
        if staleOK { body["stale_ok"] = .bool(true) }
        return try await send("POST", "/trains", body: body, guards: guards)
    }

    package func supersede(
        _ train: String, by version: String, companions: [String: String], staleOK: Bool, by actor: Actor,
        guards: Guards
    ) async throws(ServiceError) -> SupersedeResponse {
        var body: [String: JSONValue] = [
            "by": .string(version), "companions": .object(companions.mapValues { .string($0) }),
        ]
        if staleOK { body["stale_ok"] = .bool(true) }
        return try await send("POST", "/trains/\(Self.segment(train))/supersede", body: body, guards: guards)
    }

    package func registerRC(_ number: Int, files: [String], on train: String, by actor: Actor, guards: Guards)
        async throws(ServiceError) -> CommandResponse
    {
        guard files.count == 1 else {
            throw ServiceError(
                .invalid, "invalid-argument",
                "with --server, an RC is one file per request: register RC \(number) with one file, or run the command on the server's machine"
            )
        }
        return try await upload(files[0], to: train, rc: number, guards: guards)
    }

    package func stage(_ files: [String], on train: String, by actor: Actor, guards: Guards)
        async throws(ServiceError) -> StageResponse
    {
        // One file per request; what each did is merged per package, the build's files as the last
        // answer has them.
        var merged: StageResponse? = nil
        for (index, file) in files.enumerated() {
            // Each upload is a request of its own: with several files, each has a key of its own.
            var guards = guards
            if files.count > 1 { guards.idempotencyKey = guards.idempotencyKey.map { "\($0)/\(index)" } }
            let answer: StageResponse = try await upload(file, to: train, rc: nil, guards: guards)
            guard var result = merged else {
                merged = answer
                continue
            }
            for item in answer.staged {
                if let index = result.staged.firstIndex(where: { $0.package == item.package }) {
                    let earlier = result.staged[index]
                    result.staged[index] = StageResponse.Item(
                        package: item.package, files: item.files, changed: earlier.changed || item.changed,
                        revision: item.revision ?? earlier.revision, events: earlier.events + item.events)
                } else {
                    result.staged.append(item)
                }
            }
            merged = result
        }
        return merged ?? StageResponse(train: train, label: "train-\(train)", staged: [])
    }

    package func claim(
        on train: String, kind: String?, package: String?, subdir: String?, variant: String?, leaseSeconds: Int,
        by runner: Actor, guards: Guards
    ) async throws(ServiceError) -> ClaimResponse {
        var body: [String: JSONValue] = ["train": .string(train), "lease_seconds": .number(leaseSeconds)]
        if let kind { body["kind"] = .string(kind) }
        if let package { body["package"] = .string(package) }
        if let subdir { body["subdir"] = .string(subdir) }
        if let variant { body["variant"] = .string(variant) }
        return try await send("POST", "/work/claim", body: body, guards: guards)
    }

    package func report(_ work: String, passed: Bool, log: String?, by runner: Actor, guards: Guards)
        async throws(ServiceError) -> CommandResponse
    {
        var body: [String: JSONValue] = ["result": .string(passed ? "passed" : "failed")]
        if let log { body["log"] = .string(log) }
        return try await send("POST", "/work/\(Self.segment(work))/report", body: body, guards: guards)
    }

    package func watch(_ train: String, after revision: Int?, wait: Int) async throws(ServiceError)
        -> WatchResponse?
    {
        var path = "/trains/\(Self.segment(train))"
        var headers: [String: String] = [:]
        if let revision {
            path += "?wait=\(max(0, min(wait, 60)))"
            headers["If-None-Match"] = "\"\(revision)\""
        }
        let (status, data) = try await exchange(
            "GET", path, body: nil, contentType: "application/json", headers: headers)
        if status == 304 { return nil }
        guard (200..<300).contains(status) else { throw Self.error(status: status, body: data) }
        guard let answer = try? Wire.decode(TrainStatusResponse.self, from: data) else {
            throw ServiceError(
                .failed, "unexpected-answer", "\(base.absoluteString): GET /api/v1\(path) did not answer a train")
        }
        return WatchResponse(train: answer.train, stage: answer.stage, revision: answer.revision)
    }

    package func heartbeat(_ work: String, leaseSeconds: Int, by runner: Actor, guards: Guards)
        async throws(ServiceError) -> ClaimResponse
    {
        try await send(
            "POST", "/work/\(Self.segment(work))/heartbeat", body: ["lease_seconds": .number(leaseSeconds)],
            guards: guards)
    }

    package func index(by actor: Actor, guards: Guards) async throws(ServiceError) -> IndexResponse {
        try await send("POST", "/channel/index", body: [:], guards: guards)
    }

    package func verify() async throws(ServiceError) -> VerifyResponse {
        try await send("GET", "/channel/verify")
    }

    package func revoke(
        _ files: [String], reason: String, move: Bool, force: Bool, expectMain: Int?, by actor: Actor, guards: Guards
    ) async throws(ServiceError) -> RevokeResponse {
        var body: [String: JSONValue] = [
            "files": .array(files.map(JSONValue.string)), "reason": .string(reason), "yes": .bool(move),
            "force": .bool(force),
        ]
        if let expectMain { body["expect_main"] = .number(expectMain) }
        return try await send("POST", "/channel/revoke", body: body, guards: guards)
    }

    package func channelLog() async throws(ServiceError) -> ChannelLogResponse {
        try await send("GET", "/channel/log")
    }

    /// Uploads one package file to the train's staging label (as RC `rc` for the core's).
    private func upload<Answer: Decodable>(_ file: String, to train: String, rc: Int?, guards: Guards)
        async throws(ServiceError) -> Answer
    {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ServiceError(.invalid, "unreadable-file", "\(file): cannot be read")
        }
        let name = (file as NSString).lastPathComponent
        var query = "filename=" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)
        if let rc { query += "&rc=\(rc)" }
        var headers: [String: String] = [:]
        if let key = guards.idempotencyKey { headers["Idempotency-Key"] = key }
        let path = "/trains/\(Self.segment(train))/artifacts?\(query)"
        let (status, body) = try await exchange(
            "POST", path, body: data, contentType: "application/octet-stream", headers: headers)
        return try answer(status, body, to: "POST \(path)")
    }

    // MARK: - HTTP

    /// Sends one request and reads the answer as `Answer`, or as the error the server gave.
    package func send<Answer: Decodable>(
        _ method: String, _ path: String, body: [String: JSONValue]? = nil, guards: Guards = Guards(),
        as type: Answer.Type = Answer.self
    ) async throws(ServiceError) -> Answer {
        var headers: [String: String] = [:]
        if let revision = guards.expectRevision { headers["If-Match"] = "\"\(revision)\"" }
        if let key = guards.idempotencyKey { headers["Idempotency-Key"] = key }
        let (status, data) = try await exchange(
            method, path, body: body.map { Data(JSONValue.object($0).bytes) }, contentType: "application/json",
            headers: headers)
        return try answer(status, data, to: "\(method) \(path)")
    }

    /// A reply read as `Answer` when it succeeded, and as the error the server gave otherwise.
    private func answer<Answer: Decodable>(_ status: Int, _ body: Data, to request: String) throws(ServiceError)
        -> Answer
    {
        guard (200..<300).contains(status) else { throw Self.error(status: status, body: body) }
        do {
            return try Wire.decode(Answer.self, from: body)
        } catch {
            throw ServiceError(
                .failed, "unexpected-answer",
                "\(base.absoluteString) answered \(request) with a body this railyard cannot read (\(error)); is it a railyard server of the same version?"
            )
        }
    }

    /// One HTTP exchange: the status and the body.
    package func exchange(
        _ method: String, _ path: String, body: Data?, contentType: String, headers: [String: String] = [:]
    ) async throws(ServiceError) -> (status: Int, body: Data) {
        var root = base.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        guard let url = URL(string: root + "/api/v1" + path), url.scheme == "http" || url.scheme == "https" else {
            throw ServiceError(.invalid, "invalid-argument", "--server \(base.absoluteString): not an http(s) URL")
        }
        var request = URLRequest(url: url, timeoutInterval: 120)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let result: Result<(Int, Data), any Error> = await withCheckedContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(returning: .failure(error))
                } else {
                    continuation.resume(
                        returning: .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data())))
                }
            }.resume()
        }
        switch result {
        case .success(let answer): return answer
        case .failure(let error):
            throw ServiceError(
                .unreachable, "server-unreachable",
                "\(base.absoluteString): \(error.localizedDescription); check --server (or RAILYARD_SERVER) and that the server is running"
            )
        }
    }

    /// The server's error answer as the error it stands for.
    package static func error(status: Int, body: Data) -> ServiceError {
        if let answer = try? Wire.decode(ErrorResponse.self, from: body) {
            return ServiceError(
                ServiceError.Category(httpStatus: status, code: answer.error.code), answer.error.code,
                answer.error.message, details: answer.error.details ?? [:])
        }
        return ServiceError(
            ServiceError.Category(httpStatus: status, code: ""), "http-\(status)", "the server answered \(status)")
    }

    /// The path and body of a train command, as the API has it.
    static func route(of command: TrainCommand, on version: String) -> (String, [String: JSONValue])? {
        let train = "/trains/\(segment(version))"
        func member(_ name: String, _ verb: String) -> String { "\(train)/members/\(segment(name))/\(verb)" }
        switch command {
        case .registerRC(let number, let artifacts) where artifacts.isEmpty:
            return ("\(train)/rc", ["number": .number(number)])
        case .advance: return ("\(train)/advance", [:])
        case .sweepDeadlines: return ("\(train)/sweep", [:])
        case .abort(let reason): return ("\(train)/abort", ["reason": .string(reason)])
        case .markFinal(let rc): return ("\(train)/final", ["rc": .number(rc)])
        case .acknowledge(let name, let eta):
            return (member(name, "ack"), eta.map { ["eta": .string(ISO8601DateFormatter().string(from: $0))] } ?? [:])
        case .decline(let name, let reason): return (member(name, "decline"), ["reason": .string(reason)])
        case .exclude(let name, let reason, let cascade):
            return (member(name, "exclude"), ["reason": .string(reason), "cascade": .bool(cascade)])
        case .waive(let name, let reason): return (member(name, "waive"), ["reason": .string(reason)])
        default: return nil
        }
    }

    /// `text` as one path segment: percent-encoded, `/` included, as the server decodes it.
    package static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/%?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
