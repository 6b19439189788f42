import Foundation
import Logging
import RailyardServer
import Testing

@Suite("Log lines: one JSON object per line")
struct JSONLogHandlerTests {
    static let cases: [(time: Double, metadata: Logger.Metadata, line: String)] = [
        (
            1_764_650_000.5, [:],
            #"{"time":"2025-12-02T04:33:20.500Z","level":"info","logger":"railyard","message":"a \"quoted\"\nline"}"#
        ),
        (
            951_782_400.25,
            [
                "status": .stringConvertible(304), "ms": .stringConvertible(0.125), "path": "/health",
                "ok": .stringConvertible(true), "tags": ["a", .stringConvertible(2)],
                "who": ["name": "alice", "role": "release-manager"],
                // The four first keys are the handler's: metadata cannot replace them.
                "level": "fake", "message": "fake",
            ],
            #"{"time":"2000-02-29T00:00:00.250Z","level":"info","logger":"railyard","message":"a \"quoted\"\nline","#
                + #""ms":0.125,"ok":true,"path":"/health","status":304,"tags":["a",2],"#
                + #""who":{"name":"alice","role":"release-manager"}}"#
        ),
    ]

    @Test("time in UTC with milliseconds, then level, logger, message; metadata in key order, numbers as numbers")
    func lines() throws {
        for (time, metadata, expected) in Self.cases {
            let line = JSONLogHandler.line(
                time: Date(timeIntervalSince1970: time), level: .info, logger: "railyard",
                message: "a \"quoted\"\nline", metadata: metadata)
            #expect(String(decoding: line, as: UTF8.self) == expected + "\n")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            #expect(object["message"] as? String == "a \"quoted\"\nline")
        }
    }

    @Test("a logger writes whole lines to its file, with the logger's and the call's metadata")
    func writes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: path.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: path) }
        let handle = try FileHandle(forWritingTo: path)
        defer { try? handle.close() }
        let descriptor = handle.fileDescriptor
        var logger = Logger(label: "railyard.test") { JSONLogHandler(label: $0, fileDescriptor: descriptor) }
        logger[metadataKey: "server"] = "one"
        logger.info("started")
        logger.debug("not at info")
        logger.warning("late", metadata: ["attempt": .stringConvertible(3)])
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let objects = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects[0]["message"] as? String == "started")
        #expect(objects[0]["server"] as? String == "one")
        #expect(objects[1]["level"] as? String == "warning")
        #expect(objects[1]["attempt"] as? Int == 3)
        #expect(objects[1]["logger"] as? String == "railyard.test")
    }
}
