import Foundation
import Testing

@Suite("railyard train, bump and db: a train through the binary, on a real database file")
struct TrainCommandTests {
    /// A scratch folder holding the database; every command gets `--db` for it.
    struct Scratch {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "railyard-train-\(UUID().uuidString)")
        var db: String { directory.appendingPathComponent("railyard.sqlite").path }
        var channel: String { directory.appendingPathComponent("channel").path }

        /// The core's RC 1 files for the example catalog's cells.
        func rc() throws -> [String] {
            try CondaPackages.matrixRCFiles(directory.appendingPathComponent("rc").path)
        }

        /// The folder, and a new database in it.
        init() throws {
            let created = try RailyardProcess.run([
                "db", "init", "--db", directory.appendingPathComponent("railyard.sqlite").path,
            ])
            try #require(created.status == 0, "railyard db init: \(created.stderr)")
        }

        func run(_ arguments: [String]) throws -> RailyardProcess.Result {
            try RailyardProcess.run(arguments + ["--db", db, "--channel", channel])
        }

        func json(_ arguments: [String]) throws -> [String: Any] {
            let result = try run(arguments + ["--json"])
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static let catalog = CatalogCommandTests.example

    @Test("create, RC, advance, answer and inspect a train; the database verifies clean")
    func lifecycle() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let created = try scratch.run(["train", "create", "2.6.0", "--catalog", Self.catalog, "--as", "alice"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("created: minor train for pytorch 2.6.0, 30 members"))
        #expect(try scratch.run(["train", "create", "2.6.0", "--catalog", Self.catalog, "--as", "alice"]).status == 1)
        let notRM = try scratch.run(["train", "create", "2.7.0", "--catalog", Self.catalog, "--as", "kornia-team"])
        #expect(notRM.status == 1)
        #expect(notRM.stderr.contains("kornia-team may not create: a release manager (alice, bob)"))

        let tooEarly = try scratch.run(["train", "advance", "2.6.0", "--as", "alice"])
        #expect(tooEarly.status == 1)
        #expect(tooEarly.stderr.contains("the gate to leave planned does not hold: an RC of pytorch is registered"))

        // An RC without its files is refused, saying how to give them; with them it counts.
        let noFiles = try scratch.run(["train", "rc", "2.6.0", "--number", "1", "--as", "alice"])
        #expect(noFiles.status == 1)
        #expect(noFiles.stderr.contains("RC 1 has no files"))
        #expect(
            try scratch.run(["train", "rc", "2.6.0", "--number", "1"] + scratch.rc() + ["--as", "alice"]).status == 0)
        #expect(try scratch.run(["train", "advance", "2.6.0", "--as", "alice"]).status == 0)
        let companions = try scratch.run(["train", "advance", "2.6.0", "--as", "alice"])
        #expect(companions.stdout.contains("torchvision: requested"))

        let stranger = try scratch.run(["bump", "ack", "torchvision", "--train", "2.6.0", "--as", "mallory"])
        #expect(stranger.status == 1)
        #expect(stranger.stderr.contains("mallory may not ack"))
        #expect(
            try scratch.run([
                "bump", "ack", "torchvision", "--train", "2.6.0", "--as", "vision-team", "--eta", "2026-12-01",
            ]).status == 0)
        #expect(
            try scratch.run([
                "bump", "decline", "torchtext", "--train", "2.6.0", "--as", "text-team", "--reason", "retired",
            ]).status == 0)

        // CI builds the companions whose request is open: builds come first.
        let claimed = try #require(
            try scratch.json(["ci", "claim", "--train", "2.6.0", "--kind", "build", "--as", "r1"])["work"]
                as? [String: Any])
        #expect(claimed["kind"] as? String == "build")
        #expect(claimed["package"] as? String == "torchvision")
        #expect(claimed["rc"] as? Int == 1)
        let early = try scratch.run([
            "ci", "report", try #require(claimed["id"] as? String), "--result", "passed", "--as", "r1",
        ])
        #expect(early.status == 1)
        #expect(early.stderr.contains("no build of torchvision against RC 1 is staged yet"))
        let badKind = try scratch.run(["ci", "claim", "--train", "2.6.0", "--kind", "deploy", "--as", "r1"])
        #expect(badKind.status == 2)
        #expect(badKind.stderr.contains("--kind deploy: build, test or integration"))

        let status = try scratch.json(["train", "status", "2.6.0"])
        #expect(status["train"] as? String == "2.6.0")
        #expect(status["stage"] as? String == "companions")
        // Five commands, and the build claim: an event of the train too.
        #expect(status["revision"] as? Int == 7)
        #expect(status["rc"] as? Int == 1)
        let members = try #require(status["members"] as? [[String: Any]])
        let torchtext = try #require(members.first { $0["name"] as? String == "torchtext" })
        #expect(torchtext["state"] as? String == "declined")
        let blocked = try #require(torchtext["blocked"] as? [[String: Any]])
        #expect(blocked.first?["kind"] as? String == "blocked-by")
        #expect(blocked.first?["detail"] as? String == "declined: retired")
        let gates = try #require(status["gates"] as? [[String: Any]])
        #expect(gates.first?["ok"] as? Bool == false)

        let gateReport = try scratch.json(["train", "gates", "2.6.0"])
        let causes = try #require(gateReport["root_causes"] as? [[String: Any]])
        #expect(
            causes.contains {
                $0["member"] as? String == "torchtext" && ($0["owners"] as? [String])?.contains("text-team") == true
            })

        #expect(
            try scratch.run(["train", "exclude", "2.6.0", "torchtext", "--reason", "retired upstream", "--as", "alice"])
                .status == 0)
        let log = try scratch.run(["train", "log", "2.6.0"])
        #expect(log.stdout.contains("alice  exclude: torchtext: excluded: retired upstream"))
        let list = try scratch.run(["train", "list"])
        #expect(list.stdout.contains("2.6.0  companions"))
        let verify = try scratch.run(["db", "verify"])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("ok"))
        let backup = scratch.directory.appendingPathComponent("copy.sqlite").path
        #expect(try scratch.run(["db", "backup", backup]).status == 0)
        #expect(try RailyardProcess.run(["train", "status", "2.6.0", "--db", backup]).stdout.contains("companions"))
    }

    @Test(
        "refusals: unknown train (2), a stale --expect-revision (1), a repeated idempotency key (0, unchanged), an unknown member (2)"
    )
    func refusals() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let files = try scratch.rc()
        #expect(try scratch.run(["train", "status", "9.9.9"]).status == 2)
        // A missing database is refused, with the command that creates one; nothing is created.
        let missing = try RailyardProcess.run(["train", "list", "--db", "/proc/railyard-nowhere/db.sqlite"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("railyard: no database at /proc/railyard-nowhere/db.sqlite: create one with"))
        let nowhere = try RailyardProcess.run(["train", "list", "--init", "--db", "/proc/railyard-nowhere/db.sqlite"])
        #expect(nowhere.status == 2)
        #expect(
            nowhere.stderr.hasPrefix(
                "railyard: cannot open the database /proc/railyard-nowhere/db.sqlite: cannot create the folder"))
        let notADatabase = scratch.directory.appendingPathComponent("not-a-database.sqlite")
        try FileManager.default.createDirectory(at: scratch.directory, withIntermediateDirectories: true)
        try Data("not a database".utf8).write(to: notADatabase)
        let garbage = try RailyardProcess.run(["train", "list", "--db", notADatabase.path])
        #expect(garbage.status == 2)
        #expect(garbage.stderr.contains("file is not a database"))
        _ = try scratch.run(["train", "create", "2.6.0", "--catalog", Self.catalog, "--as", "alice"])
        let stale = try scratch.run(
            [
                "train", "rc", "2.6.0", "--number", "1", "--as", "alice", "--expect-revision", "5",
            ] + files)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("the train is at revision 1, not 5"))
        let first = try scratch.run(
            [
                "train", "rc", "2.6.0", "--number", "1", "--as", "alice", "--idempotency-key", "k1",
            ] + files)
        let again = try scratch.run(
            [
                "train", "rc", "2.6.0", "--number", "1", "--as", "alice", "--idempotency-key", "k1",
            ] + files)
        #expect(first.status == 0)
        #expect(again.status == 0)
        #expect(again.stdout.contains("repeated idempotency key: nothing changed"))
        #expect(try scratch.json(["train", "status", "2.6.0"])["revision"] as? Int == 2)
        let bad = try scratch.run(["train", "exclude", "2.6.0", "nope", "--reason", "x", "--as", "alice", "--json"])
        // An unknown member is bad input (2), as the API's 404 is.
        #expect(bad.status == 2)
        let error = try #require(
            (try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any])?["error"]
                as? [String: Any])
        #expect(error["code"] as? String == "unknown-member")
    }

    @Test("two processes racing to advance the same train: exactly one wins, the other is told why")
    func race() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.run(["train", "create", "2.6.0", "--catalog", Self.catalog, "--as", "alice"])
        _ = try scratch.run(["train", "rc", "2.6.0", "--number", "1", "--as", "alice"] + scratch.rc())
        for _ in 0..<2 {
            // Two release managers looked at the same revision and both advance from it.
            let seen = try #require(try scratch.json(["train", "status", "2.6.0"])["revision"] as? Int)
            let expect = ["--expect-revision", String(seen)]
            async let first = Task.detached {
                try scratch.run(["train", "advance", "2.6.0", "--as", "alice"] + expect)
            }.value
            async let second = Task.detached { try scratch.run(["train", "advance", "2.6.0", "--as", "bob"] + expect) }
                .value
            let results = try await [first, second]
            let winners = results.filter { $0.status == 0 }
            let losers = results.filter { $0.status != 0 }
            #expect(winners.count == 1)
            #expect(losers.count == 1)
            #expect(losers.first?.status == 1)
            #expect(losers.first?.stderr.contains("the train is at revision \(seen + 1), not \(seen)") == true)
            #expect(try scratch.json(["train", "status", "2.6.0"])["revision"] as? Int == seen + 1)
        }
        #expect(try scratch.json(["train", "status", "2.6.0"])["stage"] as? String == "companions")
        #expect(try scratch.run(["db", "verify"]).status == 0)
    }

    @Test("ci wait returns when the train reaches the stage, and fails when it is aborted")
    func wait() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.run(["train", "create", "2.6.0", "--catalog", Self.catalog, "--as", "alice"])
        let now = try scratch.run(["ci", "wait", "--train", "2.6.0", "--stage", "planned"])
        #expect(now.status == 0)
        #expect(now.stdout == "train 2.6.0 is planned\n")
        // The time runs out: exit 4, with a progress line first.
        let late = try scratch.run(["ci", "wait", "--train", "2.6.0", "--stage", "candidate", "--timeout", "1s"])
        #expect(late.status == 4)
        #expect(late.stdout.contains("train 2.6.0 is planned; waiting for candidate\n"))
        #expect(late.stderr.contains("the time ran out before candidate"))
        async let waiting = Task.detached {
            try scratch.run(["ci", "wait", "--train", "2.6.0", "--stage", "candidate", "--interval", "0.1", "--json"])
        }.value
        try await Task.sleep(for: .milliseconds(300))
        _ = try scratch.run(["train", "rc", "2.6.0", "--number", "1", "--as", "alice"] + scratch.rc())
        _ = try scratch.run(["train", "advance", "2.6.0", "--as", "alice"])
        let reached = try await waiting
        #expect(reached.status == 0)
        #expect(reached.stdout == #"{"reached":true,"schema":1,"stage":"candidate","train":"2.6.0"}"# + "\n")
        _ = try scratch.run(["train", "abort", "2.6.0", "--reason", "withdrawn", "--as", "alice"])
        let aborted = try scratch.run(["ci", "wait", "--train", "2.6.0", "--stage", "staged"])
        #expect(aborted.status == 3)
        #expect(aborted.stderr.contains("the train was aborted before staged"))
        #expect(try scratch.run(["ci", "wait", "--train", "2.6.0", "--stage", "shipped"]).status == 2)
    }
}
