import Foundation
import Testing

@Suite("a whole train driven from CLI processes through a real server, with two CI runners at once")
struct ServerCLITests {
    /// A running `railyard serve` on a free port, stopped with SIGTERM.
    final class Server {
        let process = Process()
        let port: Int
        var url: String { "http://127.0.0.1:\(port)" }

        init(scratch: ChannelScratch, catalog: String) throws {
            port = try Self.freePort()
            process.executableURL = RailyardProcess.executable
            process.arguments = [
                "serve", "--port", String(port), "--catalog", catalog, "--db", scratch.db, "--channel", scratch.channel,
                "--log-level", "warning",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<100 {
                if (try? Tool.run("curl", ["-sf", url + "/health"]).status) == 0 { return }
                usleep(100_000)
            }
            throw CocoaError(.featureUnsupported)
        }

        static func freePort() throws -> Int {
            let result = try Tool.run(
                "python3",
                ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
            return try #require(Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        }

        /// SIGTERM, as a service manager stops it; it must exit cleanly.
        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test("create, RC, companions, downstream, staged, promoted: every step a CLI process with --server")
    func wholeTrain() async throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let catalog = CondaPackages.fixtures.appendingPathComponent("one-platform-distro.yml").path
        func secret(_ arguments: [String]) throws -> String {
            try #require(try scratch.must(["token", "create"] + arguments).lines.last)
        }
        let alice = try secret(["--role", "release-manager", "--name", "alice"])
        let team = try secret(["--role", "maintainer", "--name", "team"])
        let runners = [
            try secret(["--role", "ci", "--name", "runner-1"]), try secret(["--role", "ci", "--name", "runner-2"]),
        ]
        try CondaPackages.make(scratch.path("new"), "pytorch", "2.6.0", "py311_0", "linux-64")
        try CondaPackages.make(
            scratch.path("new"), "torchvision", "0.21.0", "py311_0", "linux-64", depends: ["pytorch 2.6.0.*"])
        try CondaPackages.make(
            scratch.path("new"), "kornia", "0.7.4", "pyhd_0", "noarch", depends: ["pytorch >=1.9.1,<2.7"],
            noarch: "python")

        let server = try Server(scratch: scratch, catalog: catalog)
        // Every command goes to the server: no --db, no --channel of its own.
        let url = server.url
        @Sendable func remote(_ token: String, _ arguments: [String]) throws -> RailyardProcess.Result {
            try RailyardProcess.run(arguments + ["--server", url, "--token", token, "--db", "/nonexistent/db"])
        }
        func must(_ token: String, _ arguments: [String]) throws -> RailyardProcess.Result {
            let result = try remote(token, arguments)
            try #require(result.status == 0, "\(arguments): \(result.stderr) \(result.stdout)")
            return result
        }
        /// Both runners claim at the same moment, from two processes.
        func claimConcurrently(_ kind: String) async throws -> [String] {
            async let first = remote(
                runners[0], ["ci", "claim", "--train", "2.6.0", "--kind", kind, "--as", "x", "--json"])
            async let second = remote(
                runners[1], ["ci", "claim", "--train", "2.6.0", "--kind", kind, "--as", "x", "--json"])
            var ids: [String] = []
            for (index, result) in try await [first, second].enumerated() {
                #expect(result.status == 0, "\(result.stderr)")
                if let item = try JSONSerialization.jsonObject(
                    with: Data(result.stdout.utf8), options: .fragmentsAllowed) as? [String: Any],
                    let id = (item["work"] as? [String: Any])?["id"] as? String
                {
                    ids.append(id)
                    try must(runners[index], ["ci", "report", id, "--result", "passed", "--as", "x"])
                }
            }
            return ids
        }

        try must(alice, ["train", "create", "2.6.0", "--as", "x"])
        // A pipeline step waits for staged through the server's long-poll, from the start.
        let readOnly = try secret(["--role", "read-only", "--name", "pipeline"])
        let waiting = Task.detached {
            try remote(readOnly, ["ci", "wait", "--train", "2.6.0", "--stage", "staged", "--timeout", "10m"])
        }
        // A maintainer may not register RCs; the release manager may.
        #expect(
            try remote(
                team,
                [
                    "stage", scratch.path("new/pytorch-2.6.0-py311_0.conda"), "--train", "2.6.0", "--rc", "1", "--as",
                    "x",
                ]
            ).status == 1)
        try must(
            alice,
            ["stage", scratch.path("new/pytorch-2.6.0-py311_0.conda"), "--train", "2.6.0", "--rc", "1", "--as", "x"])
        try must(alice, ["train", "advance", "2.6.0", "--as", "x"])
        try must(alice, ["train", "advance", "2.6.0", "--as", "x"])
        try must(team, ["bump", "ack", "torchvision", "--train", "2.6.0", "--as", "x"])
        try must(
            team, ["stage", scratch.path("new/torchvision-0.21.0-py311_0.conda"), "--train", "2.6.0", "--as", "x"])
        // One test on offer, two runners: exactly one gets it.
        #expect(try await claimConcurrently("test") == ["2.6.0:test:torchvision:rc1"])
        try must(alice, ["train", "advance", "2.6.0", "--as", "x"])
        try must(team, ["stage", scratch.path("new/kornia-0.7.4-pyhd_0.conda"), "--train", "2.6.0", "--as", "x"])
        // Two tests on offer (captum, kornia), two runners: each gets a different one.
        let both = try await claimConcurrently("test")
        #expect(Set(both) == ["2.6.0:test:captum:rc1", "2.6.0:test:kornia:rc1"])
        // A refusal through the server keeps its exit code: the gate holds now, a stale
        // revision does not.
        let stale = try remote(alice, ["train", "advance", "2.6.0", "--as", "x", "--expect-revision", "1"])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("someone changed it first"))
        try must(alice, ["train", "advance", "2.6.0", "--as", "x"])
        let waited = try await waiting.value
        #expect(waited.status == 0, "\(waited.stderr)")
        // A progress line each time it saw the stage move (how many it saw depends on timing), in
        // stage order, then the stage reached.
        let order = ["planned", "candidate", "companions", "downstream"]
        let progress = waited.lines.dropLast().compactMap { line in
            line.split(separator: " ").dropFirst(4).first.flatMap { order.firstIndex(of: String($0.dropLast())) }
        }
        #expect(!progress.isEmpty && progress == progress.sorted())
        #expect(waited.lines.dropLast().allSatisfy { $0.hasSuffix("; waiting for staged") })
        #expect(waited.stdout.hasSuffix("train 2.6.0 is staged\n"))
        #expect(try await claimConcurrently("integration") == ["2.6.0:integration:rc1"])
        try must(alice, ["train", "final", "2.6.0", "--rc", "1", "--as", "x"])
        // Without --json the dry run prints its text, as it does locally.
        let dryRun = try must(alice, ["train", "promote", "2.6.0", "--as", "x"])
        #expect(dryRun.stdout.hasPrefix("train 2.6.0: main would gain "))
        #expect(dryRun.stdout.contains("to move: railyard train promote 2.6.0 --yes --expect-main "))
        let dryRunJSON = try must(alice, ["train", "promote", "2.6.0", "--as", "x", "--json"])
        #expect(dryRunJSON.stdout.contains("\"ok\":true") && dryRunJSON.stdout.contains("\"schema\":1"))
        try must(alice, ["train", "promote", "2.6.0", "--yes", "--as", "x"])
        let status = try must(alice, ["train", "status", "2.6.0", "--json"])
        #expect(status.stdout.contains("\"stage\":\"released\""))
        // The promoted channel is served over HTTP.
        let repodata = try Tool.run("curl", ["-sf", server.url + "/channel/linux-64/repodata.json"])
        #expect(repodata.stdout.contains("pytorch-2.6.0-py311_0.conda"))
        // What users receive is the new main: every index file, the .zst too.
        let served = try scratch.run(["channel", "check-served", server.url + "/channel", "--json"])
        #expect(served.status == 0, "\(served.stdout)\(served.stderr)")
        #expect(served.stdout.contains(#""path":"linux-64/repodata.json.zst","served_sha256":"#), "\(served.stdout)")
        #expect(server.stop() == 0)
    }

    @Test(
        "check-served after a change of main: the server serves it; a mirror of the old main is named, file by file; an unreachable one too"
    )
    func checkServed() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        let server = try Server(scratch: scratch, catalog: CondaPackages.smallCatalog)
        defer { _ = server.stop() }
        // A mirror synced now, then main changes (a new package in noarch, indexed).
        let mirror = scratch.path("mirror")
        try FileManager.default.copyItem(atPath: scratch.channel, toPath: mirror)
        try CondaPackages.make(scratch.channel + "/noarch", "timm", "1.0.11", "pyhd_0", "noarch", noarch: "python")
        try scratch.must(["channel", "index"])
        // The mirror: a plain static web server over the copy (python's, which follows links),
        // its pid written by itself so that it is stopped whatever launcher started it.
        let port = try Server.freePort()
        let pidFile = scratch.path("mirror.pid")
        let http = Process()
        http.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        http.arguments = [
            "python3", "-c",
            """
            import functools, http.server, os, sys
            open(sys.argv[3], "w").write(str(os.getpid()))
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
            http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
            """,
            String(port), mirror, pidFile,
        ]
        http.standardOutput = FileHandle.nullDevice
        http.standardError = FileHandle.nullDevice
        try http.run()
        defer {
            if let pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap({ Int32($0) }) {
                kill(pid, SIGKILL)  // SIGTERM may be blocked in what the test runner starts
            }
            http.terminate()
        }
        for _ in 0..<100
        where (try? Tool.run("curl", ["-sf", "http://127.0.0.1:\(port)/noarch/repodata.json"]).status) != 0 {
            usleep(100_000)
        }

        let current = try scratch.run(["channel", "check-served", server.url + "/channel"])
        #expect(current.status == 0, "\(current.stdout)\(current.stderr)")
        #expect(current.stdout.hasPrefix("ok: \(server.url)/channel serves main's generation 2"), "\(current.stdout)")

        let stale = try scratch.run(["channel", "check-served", "http://127.0.0.1:\(port)/"])
        #expect(stale.status == 1)
        // noarch changed, and is named with its URL; the platforms' repodata did not change.
        #expect(
            stale.stdout.contains(
                "noarch/repodata.json: stale: http://127.0.0.1:\(port)/noarch/repodata.json serves other bytes than main's generation 2"
            ),
            "\(stale.stdout)")
        #expect(stale.stdout.contains("noarch/repodata.json.zst: stale: "))
        #expect(!stale.stdout.contains("linux-64/"))
        let json = try scratch.json(["channel", "check-served", "http://127.0.0.1:\(port)", "--json"])
        #expect(json["ok"] as? Bool == false)
        let states = try #require(json["files"] as? [[String: Any]]).reduce(into: [String: String]()) {
            $0[$1["path"] as! String] = $1["state"] as? String
        }
        #expect(states["noarch/repodata.json"] == "stale" && states["linux-64/repodata.json"] == "current", "\(states)")

        // Nothing listens on this one.
        let nowhere = try Server.freePort()
        let gone = try scratch.run(["channel", "check-served", "http://127.0.0.1:\(nowhere)"])
        #expect(gone.status == 1)
        #expect(
            gone.stdout.contains("noarch/repodata.json: unreachable: http://127.0.0.1:\(nowhere)/noarch/repodata.json"))
        let bad = try scratch.run(["channel", "check-served", "ftp://example.org/x"])
        #expect(bad.status == 2)
        // A folder with no main compares nothing: refused, never "ok".
        try FileManager.default.createDirectory(atPath: scratch.path("empty"), withIntermediateDirectories: true)
        let empty = try RailyardProcess.run(["channel", "check-served", server.url + "/channel", scratch.path("empty")])
        #expect(empty.status == 2)
        #expect(
            empty.stderr.contains("main has no generation here: run railyard channel index first"), "\(empty.stderr)")
    }
}
