import Foundation
import Testing

@Suite("promotion to anaconda.org: a journaled sequence through anaconda-client, resumable, never repeated")
struct AnacondaBackendTests {
    static let fake = CondaPackages.fixtures.appendingPathComponent("fake-anaconda.py").path

    struct Fake {
        let scratch: ChannelScratch
        var state: String { scratch.path("anaconda-state.json") }
        var log: String { scratch.path("anaconda-log.jsonl") }

        func promote(_ extra: [String], environment: [String: String] = [:]) throws -> RailyardProcess.Result {
            var env = ProcessInfo.processInfo.environment
            env["FAKE_ANACONDA_STATE"] = state
            env["FAKE_ANACONDA_LOG"] = log
            for (key, value) in environment { env[key] = value }
            return try RailyardProcess.run(
                [
                    "train", "promote", "2.6.0", "--backend", "anaconda", "--owner", "pytorch", "--anaconda",
                    AnacondaBackendTests.fake,
                    "--as", "alice", "--db", scratch.db, "--channel", scratch.channel,
                ] + extra,
                environment: env)
        }

        /// The calls that succeeded, as `ACTION FILE`.
        func succeeded() throws -> [String] {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return try text.split(separator: "\n").compactMap { line in
                let call = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                guard call["status"] as? Int == 0, let args = call["args"] as? [String] else { return nil }
                let file =
                    args[0] == "upload"
                    ? (args.last ?? "").split(separator: "/").suffix(2).joined(separator: "/")
                    : args[1].split(separator: "/").suffix(2).joined(separator: "/")
                return "\(args[0]) \(file)"
            }
        }

        func labels() throws -> [String: [String]] {
            guard let data = FileManager.default.contents(atPath: state) else { return [:] }
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String]])
        }
    }

    static let expectedMain = [
        "linux-64/pytorch-2.6.0-py311_0.conda", "linux-64/torchvision-0.21.0-py311_0.conda",
        "noarch/kornia-0.7.4-pyhd_0.conda", "osx-arm64/pytorch-2.6.0-py311_0.conda",
        "osx-arm64/torchvision-0.21.0-py311_0.conda",
    ]

    @Test("a failed call stops the sequence with what was done; --resume finishes without repeating a step")
    func failedCall() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        try scratch.makeNewBuilds()
        try scratch.driveToStaged()
        let fake = Fake(scratch: scratch)
        let failed = try fake.promote(["--yes"], environment: ["FAKE_ANACONDA_FAIL_ON": "4"])
        #expect(failed.status == 1)
        #expect(
            failed.stderr.contains("failed (exit 1): Error: HTTP 502 Bad Gateway (simulated); 3 of 10 steps are done"))
        #expect(failed.stderr.contains("--resume"))
        #expect(try scratch.json(["train", "status", "2.6.0"])["stage"] as? String == "staged")
        // The core goes first: main gains dependencies before what depends on them.
        #expect(try fake.labels()["main"] == ["linux-64/pytorch-2.6.0-py311_0.conda"])
        let again = try fake.promote(["--yes"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("is in flight: continue it with --resume"))

        let resumed = try fake.promote(["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try fake.labels()["main"] == Self.expectedMain)
        let calls = try fake.succeeded()
        #expect(calls.count == 10)
        #expect(Set(calls).count == 10, "a step was repeated: \(calls)")
        #expect(try scratch.json(["train", "status", "2.6.0"])["stage"] as? String == "released")
        #expect(try fake.promote(["--resume"]).status == 1)
    }

    @Test("a crash right after a call: --resume repeats only that call (anaconda-client's are idempotent)")
    func crash() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        try scratch.makeNewBuilds()
        try scratch.driveToStaged()
        let fake = Fake(scratch: scratch)
        let killed = try fake.promote(["--yes"], environment: ["FAKE_ANACONDA_KILL_ON": "6"])
        #expect(killed.status == 9)
        #expect(try scratch.json(["train", "status", "2.6.0"])["stage"] as? String == "staged")
        let resumed = try fake.promote(["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let calls = try fake.succeeded()
        #expect(calls.count == 11)
        let repeated = Dictionary(grouping: calls, by: { $0 }).filter { $0.value.count > 1 }.map(\.key)
        #expect(repeated.count == 1, "only the call in flight at the crash is repeated: \(repeated)")
        #expect(try fake.labels()["main"] == Self.expectedMain)
        #expect(try scratch.json(["train", "status", "2.6.0"])["stage"] as? String == "released")
    }
}
