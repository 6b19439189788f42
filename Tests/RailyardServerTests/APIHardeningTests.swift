import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RailyardServer
import RailyardStore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The body of a response as a JSON object (empty when it is not one).
private func fields(_ response: TestResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
}

/// The error object of a response.
private func errorObject(_ response: TestResponse) -> [String: Any] {
    fields(response)["error"] as? [String: Any] ?? [:]
}

private func errorDetails(_ response: TestResponse) -> [String: Any] {
    errorObject(response)["details"] as? [String: Any] ?? [:]
}

@Suite("railyard serve: strict bodies, bounds, percent-decoded paths, idempotency keys, uploads that leave nothing")
struct APIHardeningTests {
    @Test(
        "a wrong type, a missing field or an unknown one is a 400 naming the field, and changes nothing",
        arguments: [
            (#"{"number": "1"}"#, "number", "an integer"),
            (#"{"number": 1.5}"#, "number", nil),
            (#"{"number": 99999999999999999999}"#, "number", "an integer"),
            (#"{"number": [1]}"#, "number", "an integer"),
            (#"{"number": null}"#, "number", "an integer"),
            (#"{}"#, "number", nil),
            // An RC's subdirs are those of its files: the field is gone.
            (#"{"number": 1, "subdirs": ["linux-64"]}"#, "subdirs", nil),
            (#"{"number": 1, "subdir": ["linux-64"]}"#, "subdir", nil),
        ] as [(String, String, String?)])
    func wrongTypes(body text: String, field: String, expected: String?) async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let rm = fixture.headers("release-manager")
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: rm, body: body(#"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            try await client.execute(uri: "/api/v1/trains/2.6.0/rc", method: .post, headers: rm, body: body(text)) {
                response in
                #expect(response.status == .badRequest, "\(text)")
                #expect(errorObject(response)["code"] as? String == "invalid-body")
                #expect(errorDetails(response)["field"] as? String == field, "\(text)")
                if let expected { #expect(errorDetails(response)["expected"] as? String == expected) }
                #expect((errorObject(response)["message"] as? String)?.contains(field) == true)
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0", method: .get) { response in
                #expect(fields(response)["revision"] as? Int == 1)
                #expect(fields(response)["rc"] is NSNull)
            }
        }
    }

    @Test("every integer is range-checked where it enters: RC numbers, expect_main, leases, ?wait=, ?rc=")
    func bounds() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let rm = fixture.headers("release-manager")
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: rm, body: body(#"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            for number in ["9223372036854775807", "1000", "0", "-1"] {
                try await client.execute(
                    uri: "/api/v1/trains/2.6.0/rc", method: .post, headers: rm, body: body(#"{"number": \#(number)}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent, "\(number)")
                    #expect(errorObject(response)["code"] as? String == "out-of-range")
                    #expect(errorDetails(response)["field"] as? String == "number")
                    #expect(errorDetails(response)["maximum"] as? Int == 999)
                }
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/final", method: .post, headers: rm,
                body: body(#"{"rc": 9223372036854775807}"#)
            ) { #expect($0.status == .unprocessableContent) }
            // A string where the guard's integer goes: refused, not dropped (the promotion went ahead).
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/promote", method: .post, headers: rm,
                body: body(#"{"yes": true, "expect_main": "999"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(errorDetails(response)["field"] as? String == "expect_main")
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/promote", method: .post, headers: rm,
                body: body(#"{"yes": "true"}"#)
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/promote", method: .post, headers: rm, body: body(#"{"expect_main": -1}"#)
            ) { #expect($0.status == .unprocessableContent) }
            for lease in ["0", "86401", "9223372036854775807"] {
                try await client.execute(
                    uri: "/api/v1/work/claim", method: .post, headers: fixture.headers("ci"),
                    body: body(#"{"train": "2.6.0", "lease_seconds": \#(lease)}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent, "\(lease)")
                    #expect(errorDetails(response)["field"] as? String == "lease_seconds")
                }
            }
            try await client.execute(
                uri: "/api/v1/work/claim", method: .post, headers: fixture.headers("ci"),
                body: body(#"{"train": "2.6.0", "kind": "deploy"}"#)
            ) { #expect($0.status == .badRequest) }
            // Nested 100,000 deep: refused as a body that is not an object, without a crash.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/abort", method: .post, headers: rm,
                body: body(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/abort", method: .post, headers: rm,
                body: body("{\"reason\": " + String(repeating: "[", count: 100_000) + "}")
            ) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/trains/2.6.0?wait=soon", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(errorObject(response)["code"] as? String == "invalid-query")
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0?wait=61", method: .get) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=pytorch-2.6.0-0.conda&rc=9223372036854775807",
                method: .post, headers: rm, body: body("x")
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorDetails(response)["field"] as? String == "rc")
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0", method: .get) { response in
                #expect(fields(response)["revision"] as? Int == 1)
            }
        }
    }

    @Test("a heartbeat's lease is held to the claim's bounds: Int.max no longer keeps an item until year 5828963")
    func heartbeatLease() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try fixture.putCoreFiles(["linux-64", "osx-arm64"])
        let rm = fixture.headers("release-manager")
        let ci = fixture.headers("ci")
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: rm, body: body(#"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/rc", method: .post, headers: rm, body: body(#"{"number": 1}"#)
            ) { #expect($0.status == .ok) }
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v1/trains/2.6.0/advance", method: .post, headers: rm) {
                    #expect($0.status == .ok)
                }
            }
            var id = ""
            // The pool of linux-64 runners: torchvision's build in that cell (osx-arm64 is another pool's).
            try await client.execute(
                uri: "/api/v1/work/claim", method: .post, headers: ci,
                body: body(#"{"train": "2.6.0", "subdir": "linux-64"}"#)
            ) { response in
                id = try #require((try object(response)["work"] as? [String: Any])?["id"] as? String)
            }
            var leaseUntil = ""
            try await client.execute(
                uri: "/api/v1/work/\(id)/heartbeat", method: .post, headers: ci, body: body(#"{"lease_seconds": 60}"#)
            ) { response in
                #expect(response.status == .ok)
                leaseUntil = try #require((try object(response)["work"] as? [String: Any])?["lease_until"] as? String)
            }
            for lease in ["9223372036854775807", "86401", "0"] {
                try await client.execute(
                    uri: "/api/v1/work/\(id)/heartbeat", method: .post, headers: ci,
                    body: body(#"{"lease_seconds": \#(lease)}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent, "\(lease)")
                    #expect(errorObject(response)["code"] as? String == "out-of-range")
                    #expect(errorDetails(response)["maximum"] as? Int == 86_400)
                }
            }
            try await client.execute(
                uri: "/api/v1/work/claim", method: .post, headers: ci,
                body: body(#"{"train": "2.6.0", "subdir": "linux-64"}"#)
            ) { #expect(String(buffer: $0.body) == #"{"replayed":false,"schema":1,"work":null}"# + "\n") }
            // The lease is still the one the last valid heartbeat gave.
            try await client.execute(uri: "/api/v1/work/\(id)/heartbeat", method: .post, headers: ci) { response in
                #expect(response.status == .ok)
                #expect((fields(response)["work"] as? [String: Any])?["lease_until"] as? String != nil)
                #expect(leaseUntil.hasPrefix("20"))
            }
        }
    }

    static func keyed(_ key: String, _ fields: HTTPFields = [:]) -> HTTPFields {
        var headers = fields
        headers[HTTPFields.Element.Name("Idempotency-Key")!] = key
        return headers
    }

    @Test("an idempotency key is the token's own and bound to the request; every mutation honours it")
    func idempotencyKeys() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try fixture.putCoreFiles(["linux-64", "osx-arm64"])
        let rm = fixture.headers("release-manager")
        try await fixture.app.test(.router) { client in
            // create: a repeat answers the first outcome, where it was train-exists.
            for attempt in 0..<2 {
                try await client.execute(
                    uri: "/api/v1/trains", method: .post, headers: Self.keyed("create-1", rm),
                    body: body(#"{"version": "2.6.0"}"#)
                ) { response in
                    #expect(response.status == .created)
                    #expect(fields(response)["replayed"] as? Bool == (attempt == 1))
                    #expect(fields(response)["revision"] as? Int == 1)
                }
            }
            // The same key with another request: 422, and the second command does not happen.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/kornia/exclude", method: .post, headers: Self.keyed("k", rm),
                body: body(#"{"reason": "broken"}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/captum/exclude", method: .post, headers: Self.keyed("k", rm),
                body: body(#"{"reason": "broken"}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorObject(response)["code"] as? String == "idempotency-conflict")
                #expect((errorObject(response)["message"] as? String)?.contains("new key") == true)
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0/members", method: .get) { response in
                let members = try #require(try object(response)["members"] as? [[String: Any]])
                #expect(members.first { $0["name"] as? String == "captum" }?["state"] as? String != "excluded")
            }
            // The same request, spelled differently: a replay.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/kornia/exclude", method: .post, headers: Self.keyed("k", rm),
                body: body(#"{ "reason" : "broken" }"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(fields(response)["replayed"] as? Bool == true)
                #expect(response.headers[HTTPFields.Element.Name("Idempotent-Replayed")!] == "true")
            }
            // A promotion's dry run and the channel's index record their answer too.
            for attempt in 0..<2 {
                try await client.execute(
                    uri: "/api/v1/trains/2.6.0/promote", method: .post, headers: Self.keyed("plan", rm)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(
                        (response.headers[HTTPFields.Element.Name("Idempotent-Replayed")!] == "true") == (attempt == 1))
                }
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/promote", method: .post, headers: Self.keyed("plan", rm),
                body: body(#"{"yes": true}"#)
            ) { #expect($0.status == .unprocessableContent) }
            // Work: a repeated claim hands out the same item, once.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/rc", method: .post, headers: rm, body: body(#"{"number": 1}"#)
            ) { #expect($0.status == .ok) }
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v1/trains/2.6.0/advance", method: .post, headers: rm) {
                    #expect($0.status == .ok)
                }
            }
            var ids: [String] = []
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/api/v1/work/claim", method: .post, headers: Self.keyed("claim-1", fixture.headers("ci")),
                    body: body(#"{"train": "2.6.0", "subdir": "linux-64"}"#)
                ) { response in
                    #expect(response.status == .ok)
                    ids.append(try #require((try object(response)["work"] as? [String: Any])?["id"] as? String))
                }
            }
            #expect(ids.count == 2 && ids[0] == ids[1])
            // Another token's key of the same name is its own: not the first token's item replayed.
            try await client.execute(
                uri: "/api/v1/work/claim", method: .post, headers: Self.keyed("claim-1", rm),
                body: body(#"{"train": "2.6.0", "subdir": "linux-64"}"#)
            ) { response in
                #expect(String(buffer: response.body) == #"{"replayed":false,"schema":1,"work":null}"# + "\n")
                #expect(response.headers[HTTPFields.Element.Name("Idempotent-Replayed")!] == nil)
            }
            // A key beyond 200 characters is refused, naming the header.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/advance", method: .post,
                headers: Self.keyed(String(repeating: "k", count: 201), rm)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorDetails(response)["field"] as? String == "Idempotency-Key")
                #expect(errorDetails(response)["limit"] as? Int == 200)
            }
        }
    }

    @Test("path parameters are percent-decoded; reasons, names and file names have length limits")
    func pathsAndLengths() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let rm = fixture.headers("release-manager")
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: rm, body: body(#"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            try await client.execute(uri: "/api/v1/trains/2%2E6%2E0/gates", method: .get) {
                #expect($0.status == .ok)
            }
            // torch%76ision is torchvision: its maintainer token may act on it (403 before), and the
            // rule that answers is the train's (the member is not requested yet), not "unknown member".
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/torch%76ision/decline", method: .post,
                headers: fixture.headers("maintainer"), body: body(#"{"reason": "x"}"#)
            ) { response in
                #expect(response.status == .conflict)
                #expect(errorObject(response)["code"] as? String == "member-state")
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/%6Bornia/exclude", method: .post, headers: rm,
                body: body(#"{"reason": "broken"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("kornia"))
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/kornia%zz/exclude", method: .post, headers: rm
            ) { #expect($0.status == .badRequest || $0.status == .notFound) }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/abort", method: .post, headers: rm,
                body: body(#"{"reason": "\#(String(repeating: "x", count: 2_001))"}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorObject(response)["code"] as? String == "too-long")
                #expect(errorDetails(response)["field"] as? String == "reason")
                #expect(errorDetails(response)["limit"] as? Int == 2_000)
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/members/\(String(repeating: "k", count: 201))/exclude", method: .post,
                headers: rm
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorDetails(response)["field"] as? String == "name")
            }
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=\(String(repeating: "k", count: 250))-1-0.conda",
                method: .post, headers: rm, body: body("x")
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorDetails(response)["field"] as? String == "filename")
            }
            try await client.execute(uri: "/api/v1/trains/2.6.0", method: .get) { response in
                #expect(fields(response)["stage"] as? String == "planned")
                #expect(fields(response)["revision"] as? Int == 2)
            }
        }
    }

    /// The scratch folders of uploads that hold a file named `name`.
    static func uploads(holding name: String) -> [String] {
        let temporary = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        return names.filter { folder in
            folder.hasPrefix("railyard-upload-")
                && FileManager.default.fileExists(
                    atPath: temporary.appendingPathComponent(folder).appendingPathComponent(name).path)
        }
    }

    /// Connects to the server, sends `head` and `bytes` bytes of a longer body, and hangs up.
    static func sendHalfAndHangUp(port: Int, head: String, bytes: Int) throws {
        #if canImport(Glibc)
            let socketType = Int32(SOCK_STREAM.rawValue)
        #else
            let socketType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, socketType, 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        let data = Array(head.utf8) + [UInt8](repeating: 0x50, count: bytes)
        var sent = 0
        while sent < data.count {
            let written = data[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            try #require(written > 0)
            sent += written
        }
        // Let the server stream some of it into the scratch file before the connection goes.
        usleep(300_000)
    }

    @Test("an upload whose client hangs up mid-body leaves no scratch file behind, nor does a refused one")
    func abortedUpload() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let name = "leak\(UUID().uuidString.prefix(8).lowercased())-1.0-0.conda"
        let secret = try #require(fixture.tokens["release-manager"])
        try await fixture.app.test(.live) { client in
            try await client.execute(
                uri: "/api/v1/trains", method: .post, headers: fixture.headers("release-manager"),
                body: body(#"{"version": "2.6.0"}"#)
            ) { #expect($0.status == .created) }
            let port = try #require(client.port)
            for _ in 0..<3 {
                try Self.sendHalfAndHangUp(
                    port: port,
                    head: "POST /api/v1/trains/2.6.0/artifacts?filename=\(name) HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer \(secret)\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: \(8 << 20)\r\n\r\n",
                    bytes: 4 << 20)
            }
            // A file that is not a package is refused, and its scratch copy goes too.
            try await client.execute(
                uri: "/api/v1/trains/2.6.0/artifacts?filename=\(name)", method: .post,
                headers: fixture.headers("release-manager"), body: body("not a zip")
            ) { #expect($0.status == .unprocessableContent) }
            let deadline = ContinuousClock.now + .seconds(10)
            while !Self.uploads(holding: name).isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(Self.uploads(holding: name).isEmpty)
            // The server is still answering.
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("the upload folders a killed server left, older than a day, are removed when a server starts")
    func staleUploadsSwept() throws {
        let temporary = FileManager.default.temporaryDirectory
        let stale = temporary.appendingPathComponent("railyard-upload-stale-\(UUID().uuidString)")
        let fresh = temporary.appendingPathComponent("railyard-upload-fresh-\(UUID().uuidString)")
        for folder in [stale, fresh] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("partial".utf8).write(to: folder.appendingPathComponent("a-1-0.conda"))
        }
        defer { try? FileManager.default.removeItem(at: fresh) }
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-2 * 86_400)], ofItemAtPath: stale.path)
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        _ = fixture.app
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(FileManager.default.fileExists(atPath: fresh.path))
    }
}
