import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RailyardServer
import Testing

/// What a client reads back from one connection: the responses in order, and whether the
/// server closed the connection after them.
struct RawExchange {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
        /// When the response's first byte arrived, from the moment the requests were sent.
        var after: Duration
    }
    var responses: [Response]
    var closed: Bool
}

/// Sends `requests` (raw HTTP/1.x, possibly several pipelined) on one connection, and reads
/// `expecting` responses (or until the server closes). Blocking socket calls, on a thread of
/// their own so that the server in this process keeps the concurrency pool.
func exchange(port: Int, _ requests: String, expecting count: Int) async throws -> RawExchange {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try blockingExchange(port: port, requests, expecting: count) })
        }
    }
}

struct SocketError: Error { var what: String }

private func blockingExchange(port: Int, _ requests: String, expecting count: Int) throws -> RawExchange {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw SocketError(what: "socket") }
    defer { close(socket) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw SocketError(what: "connect") }
    let bytes = Array(requests.utf8)
    let start = ContinuousClock.now
    guard send(socket, bytes, bytes.count, 0) == bytes.count else { throw SocketError(what: "send") }

    var buffer: [UInt8] = []
    // When the bytes at the front of the buffer arrived (for the response they begin).
    var frontArrived: Duration?
    var lastArrived = Duration.zero
    var responses: [RawExchange.Response] = []
    var closed = false
    var chunk = [UInt8](repeating: 0, count: 65536)
    while responses.count < count {
        if let parsed = parseResponse(buffer) {
            responses.append(
                .init(status: parsed.status, headers: parsed.headers, body: parsed.body, after: frontArrived ?? .zero))
            buffer.removeFirst(parsed.length)
            frontArrived = buffer.isEmpty ? nil : lastArrived
            continue
        }
        let received = recv(socket, &chunk, chunk.count, 0)
        if received < 0 { throw SocketError(what: "recv timed out after \(responses.count) responses") }
        if received == 0 {
            closed = true
            break
        }
        lastArrived = ContinuousClock.now - start
        if buffer.isEmpty { frontArrived = lastArrived }
        buffer.append(contentsOf: chunk[0..<received])
    }
    if !closed {
        // Did the server close after the last response? Look without waiting long.
        var short = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &short, socklen_t(MemoryLayout<timeval>.size))
        closed = recv(socket, &chunk, chunk.count, 0) == 0
    }
    return RawExchange(responses: responses, closed: closed)
}

/// One response from the front of `bytes`: bodies by Content-Length (none for 304).
private func parseResponse(_ bytes: [UInt8]) -> (status: Int, headers: [String: String], body: String, length: Int)? {
    let separator: [UInt8] = Array("\r\n\r\n".utf8)
    guard bytes.count >= 4,
        let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
    else { return nil }
    let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
    let status = Int(head[0].split(separator: " ")[1]) ?? 0
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
        let parts = line.split(separator: ":", maxSplits: 1)
        headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    }
    let length = status == 304 ? 0 : Int(headers["content-length"] ?? "0") ?? 0
    guard bytes.count >= end + 4 + length else { return nil }
    let body = String(decoding: bytes[(end + 4)..<(end + 4 + length)], as: UTF8.self)
    return (status, headers, body, end + 4 + length)
}

@Suite("The polling fast path: answers exactly as the routes do, in order, logged and counted")
struct PollingFastPathTests {
    /// A live server (the whole connection pipeline) with train 2.6.0 at revision 1, logging
    /// at info into `log`.
    func withServer(
        isPrivate: Bool = false, _ body: @Sendable (Int, ServerFixture, URL) async throws -> Void
    ) async throws {
        let fixture = try ServerFixture(isPrivate: isPrivate)
        defer { fixture.remove() }
        let log = fixture.directory.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let descriptor = handle.fileDescriptor
        let logger = Logger(label: "railyard") { label in JSONLogHandler(label: label, fileDescriptor: descriptor) }
        try await RailyardServer.makeApplication(state: fixture.state, logger: logger).test(.live) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: fixture.headers("release-manager"),
                body: ByteBuffer(string: #"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            try await body(try #require(client.port), fixture, log)
        }
    }

    static func get(_ path: String, _ headers: String = "", version: String = "1.1") -> String {
        "GET \(path) HTTP/\(version)\r\nHost: x\r\n\(headers)\r\n"
    }

    @Test("a poll at the current revision: 304 with ETag, Date and Server, no body; logged and counted")
    func answered() async throws {
        try await withServer { port, _, log in
            let result = try await exchange(
                port: port, Self.get("/api/v1/trains/2.6.0", "If-None-Match: \"1\"\r\n"), expecting: 1)
            let response = try #require(result.responses.first)
            #expect(response.status == 304)
            #expect(response.headers["etag"] == "\"1\"")
            #expect(response.headers["server"] == "railyard")
            let date = try #require(response.headers["date"])
            #expect(date.hasSuffix(" GMT") && date.count == 29, "an IMF-fixdate: \(date)")
            #expect(response.headers["content-length"] == nil && response.body.isEmpty)
            #expect(!result.closed)

            let metrics = try await exchange(port: port, Self.get("/metrics"), expecting: 1)
            #expect(
                metrics.responses.first?.body.contains(#"railyard_http_requests_total{method="GET",status="304"} 1"#)
                    == true)
            let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
            let polls = lines.filter { $0.contains(#""path":"/api/v1/trains/2.6.0","status":304"#) }
            #expect(polls.count == 1, "\(lines)")
            #expect(
                polls.first?.contains(#""level":"info","logger":"railyard","message":"request","method":"GET""#) == true
            )
        }
    }

    /// Requests that look like polls but are not plainly the one the pipeline answers: each
    /// must get what the routes give.
    static let lookalikes: [(name: String, request: String, status: Int, closes: Bool)] = [
        ("a stale tag", get("/api/v1/trains/2.6.0", "If-None-Match: \"0\"\r\n"), 200, false),
        ("two tags", get("/api/v1/trains/2.6.0", "If-None-Match: \"0\", \"1\"\r\n"), 200, false),
        ("a weak tag", get("/api/v1/trains/2.6.0", "If-None-Match: W/\"1\"\r\n"), 200, false),
        (
            "a bad token", get("/api/v1/trains/2.6.0", "If-None-Match: \"1\"\r\nAuthorization: Bearer nope\r\n"), 401,
            false
        ),
        ("an unknown train", get("/api/v1/trains/9.9.9", "If-None-Match: \"1\"\r\n"), 404, false),
        ("a zero wait", get("/api/v1/trains/2.6.0?wait=0", "If-None-Match: \"1\"\r\n"), 304, false),
        ("HTTP/1.0", get("/api/v1/trains/2.6.0", "If-None-Match: \"1\"\r\n", version: "1.0"), 304, true),
        ("Connection: close", get("/api/v1/trains/2.6.0", "If-None-Match: \"1\"\r\nConnection: close\r\n"), 304, true),
        ("the gates", get("/api/v1/trains/2.6.0/gates", "If-None-Match: \"1\"\r\n"), 200, false),
    ]

    @Test("look-alikes go on to the routes", arguments: lookalikes.indices)
    func lookalike(index: Int) async throws {
        let (name, request, status, closes) = Self.lookalikes[index]
        try await withServer { port, _, _ in
            let result = try await exchange(port: port, request, expecting: 1)
            #expect(result.responses.first?.status == status, "\(name)")
            #expect(result.closed == closes, "\(name)")
            if status == 200, request.hasPrefix("GET /api/v1/trains/2.6.0 ") {
                #expect(result.responses.first?.headers["etag"] == "\"1\"", "\(name)")
            }
        }
    }

    @Test("with --private, a poll without a token is refused, not answered")
    func privateServer() async throws {
        try await withServer(isPrivate: true) { port, fixture, _ in
            let anonymous = try await exchange(
                port: port, Self.get("/api/v1/trains/2.6.0", "If-None-Match: \"1\"\r\n"), expecting: 1)
            #expect(anonymous.responses.first?.status == 401)
            let token = try #require(fixture.tokens["read-only"])
            let reader = try await exchange(
                port: port,
                Self.get("/api/v1/trains/2.6.0", "If-None-Match: \"1\"\r\nAuthorization: Bearer \(token)\r\n"),
                expecting: 1)
            #expect(reader.responses.first?.status == 304)
        }
    }

    @Test("pipelined requests are answered in their order, even when the first is waiting")
    func pipelined() async throws {
        try await withServer { port, _, _ in
            let poll = Self.get("/api/v1/trains/2.6.0", "If-None-Match: \"1\"\r\n")
            let mixed = try await exchange(port: port, poll + Self.get("/health") + poll, expecting: 3)
            #expect(mixed.responses.map(\.status) == [304, 200, 304])
            #expect(mixed.responses[1].body.hasPrefix(#"{"status":"ok"}"#))

            // A long-poll that times out after a second, then a poll the pipeline could answer
            // at once: nothing may arrive before the first answer.
            let waiting = try await exchange(
                port: port, Self.get("/api/v1/trains/2.6.0?wait=1", "If-None-Match: \"1\"\r\n") + poll, expecting: 2)
            #expect(waiting.responses.map(\.status) == [304, 304])
            #expect(try #require(waiting.responses.first).after >= .milliseconds(900))
        }
    }

    @Test("a poll with a body still gets its 304, and the connection stays usable")
    func bodyIgnored() async throws {
        try await withServer { port, _, _ in
            let result = try await exchange(
                port: port,
                "GET /api/v1/trains/2.6.0 HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"1\"\r\nContent-Length: 5\r\n\r\nhello"
                    + Self.get("/health"),
                expecting: 2)
            #expect(result.responses.map(\.status) == [304, 200])
        }
    }
}
