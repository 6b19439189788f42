import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import RailyardChannel
import RailyardServer
import RailyardStore
import Testing

/// A server on a scratch database and channel, with a token per role.
struct ServerFixture {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "railyard-server-\(UUID().uuidString)")
    let state: ServerState
    /// The channel folder the server serves.
    let channel: String
    var tokens: [String: String] = [:]

    static let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/small-distro.yml").path

    init(
        isPrivate: Bool = false, catalog: String = ServerFixture.catalog,
        configure: (inout ServerOptions) -> Void = { _ in }
    ) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var options = ServerOptions()
        options.database = directory.appendingPathComponent("railyard.sqlite").path
        options.createDatabase = true
        options.channel = directory.appendingPathComponent("channel").path
        options.catalog = catalog
        options.isPrivate = isPrivate
        options.pollInterval = .milliseconds(50)
        configure(&options)
        try FileManager.default.createDirectory(atPath: options.channel, withIntermediateDirectories: true)
        state = try ServerState(options: options)
        channel = options.channel
        let store = try Store(path: options.database)
        let now = Date()
        tokens["release-manager"] = try store.createToken(name: "alice", role: .releaseManager, at: now).secret
        // team maintains torchvision, kornia and captum in the catalog; mallory maintains nothing.
        tokens["maintainer"] = try store.createToken(name: "team", role: .maintainer, at: now).secret
        tokens["stranger"] = try store.createToken(name: "mallory", role: .maintainer, at: now).secret
        tokens["ci"] = try store.createToken(name: "runner-1", role: .ci, at: now).secret
        tokens["read-only"] = try store.createToken(name: "viewer", role: .readOnly, at: now).secret
        let revoked = try store.createToken(name: "old", role: .releaseManager, at: now)
        try store.revokeToken(name: "old", at: now)
        tokens["revoked"] = revoked.secret
    }

    var app: some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return RailyardServer.makeApplication(state: state, logger: logger)
    }

    func headers(_ role: String?, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        if let role, let secret = tokens[role] { fields[.authorization] = "Bearer \(secret)" }
        return fields
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Puts the core's RC files of `train` for `subdirs` on its staging label, as uploads would,
    /// without registering them: `POST …/rc` then finds them there.
    func putCoreFiles(_ subdirs: [String], train: String = "2.6.0") throws {
        let packages = try subdirs.map { subdir in
            let path = try ServerTests.packagePath(
                directory.appendingPathComponent("core/\(subdir)"), ["pytorch", train, "py311_0", subdir])
            return (source: path, record: try PackageReader.read(path: path))
        }
        try LocalChannel(path: channel).stage(packages, label: "train-\(train)")
    }
}

func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

func object(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
}

@Suite("railyard serve: the API, tokens and roles, long-polls, the channel over HTTP")
struct ServerTests {
    @Test("health and metrics")
    func healthAndMetrics() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/trains", method: .get) { #expect($0.status == .ok) }
            // A made-up method is counted, as "other": it cannot add labels without bound.
            try await client.execute(uri: "/health", method: try #require(HTTPRequest.Method("BREW"))) {
                #expect($0.status != .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("railyard_http_requests_total{method=\"GET\",status=\"200\"}"))
                #expect(text.contains("railyard_http_requests_total{method=\"other\""))
                #expect(!text.contains("BREW"))
                #expect(text.contains("railyard_trains{stage=\"planned\"} 0"))
                #expect(text.contains("railyard_outbox_pending 0"))
                #expect(text.contains("railyard_work_leases 0"))
            }
        }
    }

    @Test("a train through the API: create, RC, advance, answer, with errors that say whose fault")
    func lifecycle() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try fixture.putCoreFiles(["linux-64", "osx-arm64"])
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: fixture.headers("release-manager"),
                body: body(#"{"version": "2.6.0"}"#)
            ) { response in
                #expect(response.status == .created)
                let created = try object(response)
                #expect(created["revision"] as? Int == 1)
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == "\"1\"")
                let train = try object(response)
                #expect(train["stage"] as? String == "planned")
                #expect((train["members"] as? [[String: Any]])?.count == 3)
            }
            // The gate does not hold: 409 with the failing checks.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/advance", method: .post, headers: fixture.headers("release-manager")
            ) { response in
                #expect(response.status == .conflict)
                let error = try #require(try object(response)["error"] as? [String: Any])
                #expect(error["code"] as? String == "gate-not-met")
                #expect((error["details"] as? [String: Any])?["failing"] != nil)
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/rc", method: .post, headers: fixture.headers("release-manager"),
                body: body(#"{"number": 1}"#)
            ) { #expect($0.status == .ok) }
            // A stale If-Match is refused; the right one goes through.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/advance", method: .post,
                headers: fixture.headers("release-manager", [.ifMatch: "\"1\""])
            ) { response in
                #expect(response.status == .conflict)
                let error = try object(response)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "stale-revision")
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/advance", method: .post,
                headers: fixture.headers("release-manager", [.ifMatch: "\"2\""])
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/advance", method: .post, headers: fixture.headers("release-manager")
            ) { #expect($0.status == .ok) }
            // The maintainer token acts on its package only.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/torchvision/ack", method: .post,
                headers: fixture.headers("maintainer"),
                body: body(#"{"eta": "2026-12-01"}"#)
            ) { #expect($0.status == .ok) }
            // CI claims the companion's build.
            try await client.execute(
                uri: "/api/v1/work/claim", method: .post, headers: fixture.headers("ci"),
                body: body(#"{"train": "2.6.0"}"#)
            ) { response in
                #expect(response.status == .ok)
                let item = try #require(try object(response)["work"] as? [String: Any])
                #expect(item["kind"] as? String == "build")
                #expect(item["package"] as? String == "torchvision")
            }
            // Bad input: not JSON (400), unknown train (404), unknown member (404).
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/abort", method: .post, headers: fixture.headers("release-manager"),
                body: body("{not json")
            ) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/trains/9.9.9", method: .get) { response in
                #expect(response.status == .notFound)
                let error = try object(response)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "unknown-train")
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/nope/exclude", method: .post,
                headers: fixture.headers("release-manager"),
                body: body(#"{"reason": "x"}"#)
            ) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/trains/2.6.0/log", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("torchvision: acknowledged"))
            }
        }
    }

    @Test("ETag and If-None-Match answer 304; ?wait= answers as soon as the train changes")
    func longPoll() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try fixture.putCoreFiles(["linux-64", "osx-arm64"])
        try await fixture.app.test(.live) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: fixture.headers("release-manager"),
                body: body(#"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            try await client.execute(uri: "/api/v1/trains/2.6.0", method: .get, headers: [.ifNoneMatch: "\"1\""]) {
                response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            // Nothing changes: the wait ends with 304 at its timeout.
            let quiet = ContinuousClock.now
            try await client.execute(uri: "/api/v1/trains/2.6.0?wait=1", method: .get, headers: [.ifNoneMatch: "\"1\""])
            {
                #expect($0.status == .notModified)
            }
            #expect(ContinuousClock.now - quiet >= .milliseconds(900))
            // A change answers the waiters at once (the wait on a connection of its own).
            let waiter = TestClient(host: "localhost", port: try #require(client.port))
            waiter.connect()
            async let waited: (HTTPResponse.Status, String?, Duration) = {
                let start = ContinuousClock.now
                let response = try await waiter.execute(
                    .init("/api/v1/trains/2.6.0?wait=30", method: .get, headers: [.ifNoneMatch: "\"1\""]))
                return (response.status, response.headers[.eTag], ContinuousClock.now - start)
            }()
            try await Task.sleep(for: .milliseconds(300))
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/rc", method: .post, headers: fixture.headers("release-manager"),
                body: body(#"{"number": 1}"#)
            ) { #expect($0.status == .ok) }
            let (status, tag, elapsed) = try await waited
            try await waiter.shutdown()
            #expect(status == .ok)
            #expect(tag == "\"2\"")
            #expect(elapsed < .seconds(2))
        }
    }

    /// Every mutating route, and which roles it admits.
    static let routes: [(path: String, body: String, allowed: Set<String>)] = [
        ("/api/v1/trains", #"{"version": "2.7.0"}"#, ["release-manager"]),
        ("/api/v1/trains/2.6.0/rc", #"{"number": 5}"#, ["release-manager"]),
        ("/api/v1/trains/2.6.0/advance", "", ["release-manager"]),
        ("/api/v1/trains/2.6.0/final", #"{"rc": 1}"#, ["release-manager"]),
        ("/api/v1/trains/2.6.0/abort", #"{"reason": "test"}"#, ["release-manager"]),
        ("/api/v1/trains/2.6.0/promote", "", ["release-manager"]),
        ("/api/v1/trains/2.6.0/members/kornia/exclude", #"{"reason": "x"}"#, ["release-manager"]),
        ("/api/v1/trains/2.6.0/members/kornia/waive", #"{"reason": "x"}"#, ["release-manager"]),
        ("/api/v1/trains/2.6.0/members/torchvision/ack", "", ["release-manager", "maintainer"]),
        ("/api/v1/trains/2.6.0/members/torchvision/decline", #"{"reason": "x"}"#, ["release-manager", "maintainer"]),
        ("/api/v1/trains/2.6.0/members/kornia/ack", "", ["release-manager", "maintainer"]),
        // The role may stage; whose build it is, the train decides once the file is read (this
        // one is no package: 422 for every role that may stage).
        ("/api/v1/trains/2.6.0/artifacts?filename=x-1-0.conda", "", ["release-manager", "maintainer", "stranger"]),
        ("/api/v1/work/claim", #"{"train": "2.6.0"}"#, ["release-manager", "ci"]),
        ("/api/v1/work/x/heartbeat", "", ["release-manager", "ci"]),
        ("/api/v1/work/x/report", #"{"result": "passed"}"#, ["release-manager", "ci"]),
        ("/api/v1/channel/index", "", ["release-manager"]),
    ]

    @Test(
        "every role against every mutating route: allowed exactly where designed",
        arguments: [
            "release-manager", "maintainer", "stranger", "ci", "read-only", "revoked", "none",
        ])
    func roleMatrix(role: String) async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: fixture.headers("release-manager"),
                body: body(#"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            var badTokens = 0
            for route in Self.routes {
                try await client.execute(
                    uri: route.path, method: .post, headers: fixture.headers(role == "none" ? nil : role),
                    body: body(route.body)
                ) { response in
                    let status = response.status.code
                    if route.allowed.contains(role) {
                        #expect(status != 401 && status != 403 && status < 500, "\(role) \(route.path): \(status)")
                    } else if role == "none" {
                        #expect(status == 401, "\(role) \(route.path): \(status)")
                    } else if role == "revoked" {
                        // Ten bad tokens from one address, then it is locked out for a while.
                        badTokens += 1
                        #expect(status == (badTokens <= 10 ? 401 : 429), "\(role) \(route.path): \(status)")
                    } else {
                        #expect(status == 403, "\(role) \(route.path): \(status)")
                    }
                }
            }
        }
    }

    @Test("reads need a token on a private server")
    func privateServer() async throws {
        let fixture = try ServerFixture(isPrivate: true)
        defer { fixture.remove() }
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/trains", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/trains", method: .get, headers: fixture.headers("read-only")) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test("the channel over HTTP: files with ETag and Range; nothing hidden is served")
    func channel() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let channel = fixture.directory.appendingPathComponent("channel")
        try FileManager.default.createDirectory(
            at: channel.appendingPathComponent("noarch"), withIntermediateDirectories: true)
        try Data("0123456789".utf8).write(to: channel.appendingPathComponent("noarch/a-1-0.conda"))
        try FileManager.default.createDirectory(
            at: channel.appendingPathComponent(".railyard"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: channel.appendingPathComponent(".railyard/journal.json"))
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/channel/noarch/a-1-0.conda", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] != nil)
                #expect(String(buffer: response.body) == "0123456789")
            }
            try await client.execute(uri: "/channel/noarch/a-1-0.conda", method: .get, headers: [.range: "bytes=2-4"]) {
                response in
                #expect(response.status == .partialContent)
                #expect(String(buffer: response.body) == "234")
            }
            try await client.execute(uri: "/channel/.railyard/journal.json", method: .get) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/channel/../railyard.sqlite", method: .get) {
                #expect($0.status == .badRequest || $0.status == .notFound)
            }
        }
    }

    @Test("an address that keeps presenting bad tokens is locked out for a while (429), good token or not")
    func badTokens() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.app.test(.router) { client in
            for _ in 0..<10 {
                try await client.execute(
                    uri: "/api/v1/trains/2.6.0/advance", method: .post, headers: [.authorization: "Bearer ry_guess"]
                ) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: fixture.headers("release-manager"),
                body: body(#"{"version": "2.6.0"}"#)
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] != nil)
                let error = try object(response)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "too-many-bad-tokens")
            }
        }
    }

    /// A real package file made by Tests/Fixtures/condapkg.py.
    static func package(_ directory: URL, _ arguments: [String]) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: try packagePath(directory, arguments)))
    }

    /// The path of a real package file made by Tests/Fixtures/condapkg.py.
    static func packagePath(_ directory: URL, _ arguments: [String]) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/condapkg.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, directory.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        return path
    }

    @Test("uploads, reads, heartbeats, sweeps, patches and verify through the routes")
    func moreRoutes() async throws {
        // One platform subdir: an RC is one file.
        let fixture = try ServerFixture(
            catalog: URL(fileURLWithPath: ServerFixture.catalog).deletingLastPathComponent()
                .appendingPathComponent("one-platform-distro.yml").path)
        defer { fixture.remove() }
        let rcFile = try Self.package(
            fixture.directory.appendingPathComponent("in"), ["pytorch", "2.6.0", "py311_0", "linux-64"])
        let visionFile = try Self.package(
            fixture.directory.appendingPathComponent("in"),
            ["torchvision", "0.21.0", "py311_0", "linux-64", "--depends", "pytorch 2.6.0.*"])
        let rm = fixture.headers("release-manager")
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: rm, body: body(#"{"version": "2.6.0"}"#)
            ) {
                #expect($0.status == .created)
            }
            // A file name that tries to leave the channel is refused before anything is read.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=..%2F..%2Fevil.conda", method: .post, headers: rm,
                body: ByteBuffer(bytes: rcFile)
            ) { #expect($0.status == .badRequest) }
            // The core's file is an RC: without ?rc= it is refused, and a maintainer may not register one.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=pytorch-2.6.0-py311_0.conda", method: .post,
                headers: rm, body: ByteBuffer(bytes: rcFile)
            ) { response in
                #expect(response.status == .unprocessableContent)
                let error = try object(response)["error"] as? [String: Any]
                #expect(error?["message"] as? String == "the core's files are an RC: add ?rc=N")
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=pytorch-2.6.0-py311_0.conda&rc=1", method: .post,
                headers: fixture.headers("maintainer"), body: ByteBuffer(bytes: rcFile)
            ) { response in
                #expect(response.status == .forbidden)
                let error = try object(response)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "not-allowed")
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=pytorch-2.6.0-py311_0.conda&rc=1", method: .post,
                headers: rm, body: ByteBuffer(bytes: rcFile)
            ) { response in
                #expect(response.status == .created)
                let outcome = try object(response)
                #expect((outcome["events"] as? [String])?.first == "RC 1 registered (linux-64)")
            }
            // A file that is not a package: 422, named.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=kornia-1-0.conda", method: .post,
                headers: fixture.headers("release-manager"), body: body("not a zip")
            ) { response in
                #expect(response.status == .unprocessableContent)
                let error = try object(response)["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.hasPrefix("kornia-1-0.conda: not a conda package") == true)
            }
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v1/trains/2.6.0/advance", method: .post, headers: rm) {
                    #expect($0.status == .ok)
                }
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=torchvision-0.21.0-py311_0.conda", method: .post,
                headers: fixture.headers("maintainer"), body: ByteBuffer(bytes: visionFile)
            ) { response in
                #expect(response.status == .created)
                #expect(String(buffer: response.body).contains("\"changed\":true"))
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0/gates", method: .get) { response in
                let checks = try #require(try object(response)["checks"] as? [[String: Any]])
                #expect(checks.first?["ok"] as? Bool == false)
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0/members", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("\"name\":\"torchvision\"") && text.contains("\"state\":\"built\""))
            }
            var id = ""
            try await client.execute(
                uri: "/api/v1/work/claim", method: .post, headers: fixture.headers("ci"),
                body: body(#"{"train": "2.6.0", "lease_seconds": 60}"#)
            ) { response in
                id = try #require((try object(response)["work"] as? [String: Any])?["id"] as? String)
            }
            try await client.execute(
                uri: "/api/v1/work/\(id)/heartbeat", method: .post, headers: fixture.headers("ci"),
                body: body(#"{"lease_seconds": 600}"#)
            ) { response in
                #expect(response.status == .ok)
                let item = try #require(try object(response)["work"] as? [String: Any])
                #expect(item["id"] as? String == id)
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0/sweep", method: .post, headers: rm) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0/patches", method: .get) { response in
                #expect(response.status == .ok)
                #expect(
                    String(buffer: response.body)
                        == #"{"affected":[],"check":null,"patch_instructions":{},"schema":1,"train":"2.6.0"}"# + "\n")
            }
            try await client.execute(uri: "/api/v1/channel/verify", method: .get, headers: rm) { response in
                let verdict = try object(response)
                #expect(verdict["ok"] as? Bool == true)
            }
            try await client.execute(uri: "/api/v1/channel/verify", method: .get) {
                #expect($0.status == .unauthorized)
            }
            // A package file put into main's folder by hand is adopted by channel index; the
            // train's label keeps its two files.
            let channel = fixture.directory.appendingPathComponent("channel")
            try FileManager.default.createDirectory(
                at: channel.appendingPathComponent("linux-64"), withIntermediateDirectories: true)
            try Self.package(
                fixture.directory.appendingPathComponent("in"), ["kornia", "0.8.0", "py311_0", "linux-64"]
            )
            .write(to: channel.appendingPathComponent("linux-64/kornia-0.8.0-py311_0.conda"))
            try await client.execute(
                uri: "/api/v1/channel/index", method: .post, headers: fixture.headers("maintainer")
            ) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/channel/index", method: .post, headers: rm) { response in
                #expect(response.status == .ok)
                let labels = try #require(try object(response)["labels"] as? [String: Int])
                #expect(labels == ["main": 1, "train-2.6.0": 2])
            }
            try await client.execute(uri: "/api/v1/channel/verify", method: .get, headers: rm) { response in
                let verdict = try object(response)
                #expect(verdict["ok"] as? Bool == true, "\(verdict)")
            }
            // A file that is not a package refuses the whole index (422, named).
            try Data("not a zip".utf8).write(to: channel.appendingPathComponent("linux-64/broken-1-0.conda"))
            try await client.execute(uri: "/api/v1/channel/index", method: .post, headers: rm) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("broken-1-0.conda"))
            }
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                let document = try object(response)
                #expect(document["openapi"] as? String == "3.0.3")
                #expect((document["paths"] as? [String: Any])?.count == 26)
            }
        }
    }

    /// A channel folder with a package file, the `.railyard` journal and a `.main` file.
    static func hiddenChannel(_ fixture: ServerFixture) throws {
        let channel = fixture.directory.appendingPathComponent("channel")
        for folder in ["noarch", ".railyard"] {
            try FileManager.default.createDirectory(
                at: channel.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data("0123456789".utf8).write(to: channel.appendingPathComponent("noarch/a-1-0.conda"))
        try Data("SECRET-JOURNAL".utf8).write(to: channel.appendingPathComponent(".railyard/journal.json"))
        try Data("SECRET-MAIN".utf8).write(to: channel.appendingPathComponent(".main"))
    }

    /// Ways to name a hidden file of the channel with escapes a client would normalise.
    static let hiddenPaths = [
        "/channel/%2erailyard/journal.json", "/channel/%2Erailyard/journal.json", "/channel/.%72ailyard/journal.json",
        "/channel/%2emain", "/channel/%2e%6d%61%69%6e", "/channel/noarch/%2e%2e/%2erailyard/journal.json",
        "/channel/noarch/..%2f.railyard%2fjournal.json", "/channel%2f.railyard/journal.json",
        "/channel%2F%2Emain", "/channel//.railyard/journal.json", "/channel/./.main",
        "/channel/%252erailyard/journal.json",
        "/channel/noarch%5c..%5c.main", "/channel/%00/../.main", "/channel/noarch/%2e/a-1-0.conda",
    ]

    @Test("no hidden file of the channel is served, however its path is escaped", arguments: hiddenPaths)
    func hiddenEscaped(path: String) async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try Self.hiddenChannel(fixture)
        try await fixture.app.test(.live) { client in
            let port = try #require(client.port)
            let (hidden, plain, escaped) = try await onThread {
                () throws -> (RawConnection.Response?, RawConnection.Response?, RawConnection.Response?) in
                let connection = try RawConnection(port: port)
                connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                let hidden = connection.response()
                connection.send("GET /channel/noarch/a-1-0.conda HTTP/1.1\r\nHost: x\r\n\r\n")
                let plain = connection.response()
                connection.send("GET /channel/no%61rch/a-1-0.conda HTTP/1.1\r\nHost: x\r\n\r\n")
                return (hidden, plain, connection.response())
            }
            let response = try #require(hidden, "\(path)")
            #expect(response.status == 404 || response.status == 400, "\(path): \(response.status)")
            #expect(!response.body.contains("SECRET"), "\(path)")
            #expect(plain?.body == "0123456789")
            #expect(escaped?.body == "0123456789")
        }
    }

    @Test("--private: everything but /health needs a token: the channel, /metrics, the pages, unknown paths")
    func privateCoversEverything() async throws {
        let fixture = try ServerFixture(isPrivate: true)
        defer { fixture.remove() }
        try Self.hiddenChannel(fixture)
        try await fixture.app.test(.router) { client in
            for path in ["/channel/noarch/a-1-0.conda", "/channel/noarch/", "/metrics", "/", "/nothing-here"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(path)")
                    #expect(!String(buffer: response.body).contains("0123456789"))
                }
                try await client.execute(uri: path, method: .head) { #expect($0.status == .unauthorized, "\(path)") }
            }
            try await client.execute(
                uri: "/channel/noarch/a-1-0.conda", method: .get, headers: [.authorization: "Bearer ry_guess"]
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/channel/noarch/a-1-0.conda", method: .get, headers: fixture.headers("read-only")
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "0123456789")
            }
            try await client.execute(uri: "/metrics", method: .get, headers: fixture.headers("ci")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("railyard_trains"))
            }
        }
    }

    @Test("HEAD answers like GET without a body, on the API, the pages, /health and the channel")
    func head() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try Self.hiddenChannel(fixture)
        try await fixture.app.test(.live) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: fixture.headers("release-manager"),
                body: body(#"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            let port = try #require(client.port)
            for path in [
                "/api/v1/trains", "/api/v1/trains/2.6.0", "/api/v1/trains/2.6.0/gates", "/health", "/",
                "/channel/noarch/a-1-0.conda", "/api/v1/trains/9.9.9",
            ] {
                let (head, get) = try await onThread {
                    () throws -> (RawConnection.Response?, RawConnection.Response?) in
                    let connection = try RawConnection(port: port)
                    // Pipelined: the GET's answer must follow the HEAD's headers at once.
                    connection.send("HEAD \(path) HTTP/1.1\r\nHost: x\r\n\r\nGET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                    return (connection.response(head: true), connection.response())
                }
                let headResponse = try #require(head, "\(path)")
                let getResponse = try #require(get, "\(path)")
                #expect(headResponse.status == getResponse.status, "\(path)")
                #expect(headResponse.status != 404 || path.hasSuffix("9.9.9"), "\(path)")
                #expect(headResponse.body.isEmpty)
                #expect(headResponse.headers["content-length"] == String(getResponse.body.utf8.count), "\(path)")
                #expect(headResponse.headers["etag"] == getResponse.headers["etag"], "\(path)")
                #expect(headResponse.headers["content-type"] == getResponse.headers["content-type"], "\(path)")
            }
        }
    }

    @Test("a folder of the channel asked for without its slash redirects inside /channel")
    func folderRedirect() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try Self.hiddenChannel(fixture)
        try await fixture.app.test(.router) { client in
            for (path, location) in [("/channel/noarch", "/channel/noarch/"), ("/channel", "/channel/")] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .movedPermanently, "\(path)")
                    #expect(response.headers[.location] == location, "\(path)")
                }
            }
        }
    }
}
