import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RailyardApplication
import RailyardServer
import Testing

/// The connection limits of `railyard serve`, against a live server on a free loopback port.
@Suite("Connections: the most open at once, header and idle timeouts, the largest head")
struct ConnectionTests {
    /// A live server with train 2.6.0 at revision 1, started with these limits.
    func withServer(
        maxConnections: Int = 4096, headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(75),
        maxHeaderSize: Int = 32 << 10, keepAlive: Bool = false,
        _ body: @Sendable (Int, ServerFixture) async throws -> Void
    ) async throws {
        let fixture = try ServerFixture { options in
            options.maxConnections = maxConnections
            options.headerTimeout = headerTimeout
            options.idleTimeout = idleTimeout
            options.maxHeaderSize = maxHeaderSize
        }
        defer { fixture.remove() }
        // The train is made before the server listens: a set-up request of the test's own client
        // could meet the 1-second header timeout these tests set, on a loaded machine.
        let created = try fixture.state.service.create(
            "2.6.0", companions: [:], staleOK: false, by: .person("alice"), guards: Guards())
        #expect(created.revision == 1)
        try await fixture.app.test(.live) { client in
            // With `keepAlive`, the test client's connection stays open, counted, through the body.
            if keepAlive {
                try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            }
            try await body(try #require(client.port), fixture)
        }
    }

    static let health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"

    @Test("a head that trickles in is answered 408 at --header-timeout and closed")
    func slowHead() async throws {
        try await withServer(headerTimeout: .seconds(1)) { port, _ in
            let (response, after, closed) = try await onThread {
                () throws -> (RawConnection.Response?, Duration, Bool) in
                let connection = try RawConnection(port: port)
                connection.send("GET /health HTTP/1.1\r\n")
                // One header line every 200 ms, for up to 4 s: never the blank line that ends it.
                for index in 0..<20 {
                    if let response = connection.response(timeout: .milliseconds(200)) {
                        return (
                            response, ContinuousClock.now - connection.opened, connection.closes(within: .seconds(2))
                        )
                    }
                    connection.send("X-Slow-\(index): 1\r\n")
                }
                return (nil, ContinuousClock.now - connection.opened, false)
            }
            let answer = try #require(response, "no answer while the head trickled in for \(after)")
            #expect(answer.status == 408)
            #expect(answer.body.contains(#""code":"request-timeout""#))
            #expect(answer.headers["connection"] == "close")
            #expect(after >= .milliseconds(900) && after < .seconds(3), "\(after)")
            #expect(closed)
        }
    }

    @Test("a new connection that sends nothing is closed at --header-timeout, without an answer")
    func silentConnection() async throws {
        try await withServer(headerTimeout: .seconds(1)) { port, _ in
            let (closed, after) = try await onThread { () throws -> (Bool, Duration) in
                let connection = try RawConnection(port: port)
                let closed = connection.closes(within: .seconds(4))
                return (closed, ContinuousClock.now - connection.opened)
            }
            #expect(closed)
            #expect(after >= .milliseconds(900) && after < .seconds(3), "\(after)")
        }
    }

    @Test("a kept-alive connection is closed after --idle-timeout; a long-poll held longer is answered")
    func idleTimeout() async throws {
        try await withServer(idleTimeout: .seconds(1)) { port, _ in
            let (first, closed, idle) = try await onThread { () throws -> (RawConnection.Response?, Bool, Duration) in
                let connection = try RawConnection(port: port)
                connection.send(Self.health)
                let first = connection.response()
                let answered = ContinuousClock.now
                return (first, connection.closes(within: .seconds(4)), ContinuousClock.now - answered)
            }
            #expect(first?.status == 200)
            #expect(closed)
            #expect(idle >= .milliseconds(900) && idle < .seconds(3), "\(idle)")

            // The server holds the poll for 2 s, twice the idle timeout: the poll is answered,
            // and its connection serves the next request.
            let (poll, held, next) = try await onThread {
                () throws -> (RawConnection.Response?, Duration, RawConnection.Response?) in
                let connection = try RawConnection(port: port)
                connection.send("GET /api/v1/trains/2.6.0?wait=2 HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"1\"\r\n\r\n")
                let poll = connection.response()
                let held = ContinuousClock.now - connection.opened
                connection.send(Self.health)
                return (poll, held, connection.response())
            }
            #expect(poll?.status == 304)
            #expect(held >= .milliseconds(1900), "\(held)")
            #expect(next?.status == 200)
        }
    }

    @Test("an upload that is slow but keeps coming outlasts --idle-timeout")
    func slowUpload() async throws {
        try await withServer(idleTimeout: .seconds(1)) { port, fixture in
            let token = try #require(fixture.tokens["release-manager"])
            let response = try await onThread { () throws -> RawConnection.Response? in
                let connection = try RawConnection(port: port)
                let chunk = "not a zip "
                connection.send(
                    "POST /api/v1/trains/2.6.0/artifacts?filename=kornia-1-0.conda HTTP/1.1\r\nHost: x\r\n"
                        + "Authorization: Bearer \(token)\r\nContent-Length: \(chunk.count * 8)\r\n\r\n")
                // 8 pieces 400 ms apart: 3.2 s in all, never 1 s without a byte.
                for _ in 0..<8 {
                    Thread.sleep(forTimeInterval: 0.4)
                    connection.send(chunk)
                }
                return connection.response()
            }
            let answer = try #require(response, "the upload was cut")
            #expect(answer.status == 422)
            #expect(answer.body.contains("kornia-1-0.conda: not a conda package"))
        }
    }

    @Test("half-sent requests up to --max-connections: one more is answered 503 at once; /health after the timeout")
    func maxConnections() async throws {
        // Five: the test client's kept-alive connection and four half-sent requests.
        try await withServer(maxConnections: 5, headerTimeout: .seconds(1)) { port, _ in
            let (refused, refusedAfter, held, health) = try await onThread {
                () throws -> (RawConnection.Response?, Duration, [Int?], Int?) in
                let held = try (0..<4).map { _ in try RawConnection(port: port) }
                for connection in held { connection.send("GET /health HTTP/1.1\r\nHost: x\r\n") }
                Thread.sleep(forTimeInterval: 0.2)
                let extra = try RawConnection(port: port)
                let refused = extra.response(timeout: .seconds(2))
                let refusedAfter = ContinuousClock.now - extra.opened
                let answers = held.map { $0.response(timeout: .seconds(3))?.status }
                // Their places are given back as they close.
                var health: Int?
                for _ in 0..<20 where health != 200 {
                    let connection = try RawConnection(port: port)
                    connection.send(Self.health)
                    health = connection.response(timeout: .seconds(2))?.status
                    if health != 200 { Thread.sleep(forTimeInterval: 0.1) }
                }
                return (refused, refusedAfter, answers, health)
            }
            let answer = try #require(refused, "a connection beyond the limit got no answer")
            #expect(answer.status == 503)
            #expect(answer.headers["retry-after"] == "1")
            #expect(answer.body.contains(#""code":"too-many-connections""#))
            #expect(refusedAfter < .milliseconds(500), "\(refusedAfter)")
            #expect(held == [408, 408, 408, 408])
            #expect(health == 200)
        }
    }

    @Test("a head beyond --max-header-size is answered 431; one within it is served")
    func headerTooLarge() async throws {
        try await withServer(maxHeaderSize: 8 << 10) { port, _ in
            let (small, large, closed) = try await onThread {
                () throws -> (RawConnection.Response?, RawConnection.Response?, Bool) in
                let connection = try RawConnection(port: port)
                connection.send(
                    "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 6 << 10))\r\n\r\n")
                let small = connection.response()
                connection.send(
                    "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 9 << 10))\r\n\r\n")
                return (small, connection.response(), connection.closes(within: .seconds(2)))
            }
            #expect(small?.status == 200)
            #expect(large?.status == 431)
            #expect(large?.body.contains(#""code":"header-too-large""#) == true)
            #expect(closed)
        }
    }

    @Test("the metrics count open, refused and timed-out connections")
    func metrics() async throws {
        // Two: the test client's kept-alive connection and one slow head. The header timeout is
        // 3 s, not 1: the test client's own first request must beat it on a loaded machine (a
        // fresh-clone CI run once took longer than 1 s to send it).
        try await withServer(maxConnections: 2, headerTimeout: .seconds(3), keepAlive: true) { port, _ in
            let text = try await onThread { () throws -> String in
                let slow = try RawConnection(port: port)
                slow.send("GET /health HTTP/1.1\r\n")
                Thread.sleep(forTimeInterval: 0.2)
                _ = try RawConnection(port: port).response(timeout: .seconds(2))
                _ = slow.response(timeout: .seconds(6))
                Thread.sleep(forTimeInterval: 0.2)
                let metrics = try RawConnection(port: port)
                metrics.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                return metrics.response()?.body ?? ""
            }
            #expect(text.contains("railyard_http_connections_refused_total 1"), "\(text)")
            #expect(text.contains(#"railyard_http_connections_closed_total{reason="header-timeout"} 1"#))
            #expect(text.contains("\nrailyard_http_connections 2"), "the kept-alive one and the scrape's own")
        }
    }
}
