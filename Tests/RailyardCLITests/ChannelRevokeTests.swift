import Foundation
import Testing

/// `channel revoke` takes files off main after a release, to the `broken` label, in one change
/// of main's generation recorded in the channel's log; one that breaks an install of the last
/// release is refused unless `--force`.
@Suite("channel revoke: a file off main after a release, checked by the solver, never deleted")
struct ChannelRevokeTests {
    /// The small train released, its catalog asking the solver (fail-closed by default).
    static func released() throws -> ChannelScratch {
        let scratch = try ChannelScratch()
        try scratch.releaseSmallTrain(installCheck: "pytorch torchvision")
        return scratch
    }

    static func object(_ result: RailyardProcess.Result) throws -> [String: Any] {
        try #require(
            try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "no answer (exit \(result.status)): \(result.stdout) \(result.stderr)")
    }

    /// The file names a label lists for a subdir.
    static func listed(_ scratch: ChannelScratch, _ relative: String) throws -> Set<String> {
        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.channel + "/" + relative + "/repodata.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tarBz2 = (object["packages"] as? [String: Any] ?? [:]).keys
        let conda = (object["packages.conda"] as? [String: Any] ?? [:]).keys
        return Set(tarBz2).union(conda)
    }

    @Test(
        "a dry run names what main loses and the solves it breaks; refused without --force; an old build goes, to broken, logged",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func revoke() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try Self.released()
        defer { scratch.remove() }
        let generation = try #require(try scratch.json(["channel", "verify"])["main_generation"] as? Int)
        let vision = "linux-64/torchvision-0.21.0-py311_0.conda"
        #expect(try Self.listed(scratch, "linux-64").contains("torchvision-0.21.0-py311_0.conda"))

        // The dry run: torchvision 0.21.0 is the release's only linux-64 torchvision, so the
        // release's companions no longer install there.
        let dryRun = try scratch.run(["channel", "revoke", vision, "--reason", "truncated upload", "--json"])
        #expect(dryRun.status == 1, "\(dryRun.stdout)")
        let plan = try Self.object(dryRun)
        #expect(plan["dry_run"] as? Bool == true)
        #expect(plan["ok"] as? Bool == false)
        #expect(plan["last_release"] as? String == "2.6.0")
        #expect((plan["solver"] as? String)?.hasPrefix("py-rattler") == true)
        let files = try #require(plan["files"] as? [[String: Any]])
        #expect(files.map { $0["file"] as? String } == ["torchvision-0.21.0-py311_0.conda"])
        let changes = try #require(plan["changes"] as? [[String: Any]])
        let broken = Set(
            changes.filter { $0["before"] as? Bool == true && $0["after"] as? Bool == false }.compactMap {
                $0["name"] as? String
            })
        #expect(
            broken == [
                "linux-64/any: pytorch with its companions", "linux-64/any: pytorch with every member",
                "linux-64: pytorch torchvision",
            ], "\(changes)")
        let refusals = try #require(plan["refusals"] as? [String])
        #expect(
            refusals.contains {
                $0.hasPrefix("it breaks linux-64/any: pytorch with its companions: no longer installs")
            })
        let text = try scratch.run(["channel", "revoke", vision, "--reason", "truncated upload"])
        #expect(text.stdout.contains("main would lose 1 file (to the broken label):"), "\(text.stdout)")
        #expect(text.stdout.contains("[breaks] linux-64: pytorch torchvision"), "\(text.stdout)")
        #expect(text.stdout.contains("not revoked: --force revokes anyway"))

        // The move is refused the same way, and main does not change.
        let refused = try scratch.run([
            "channel", "revoke", vision, "--reason", "truncated upload", "--yes", "--as", "alice",
        ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("revocation refused: it breaks"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--force revokes anyway"))
        #expect(try scratch.json(["channel", "verify"])["main_generation"] as? Int == generation)
        #expect(try Self.listed(scratch, "linux-64").contains("torchvision-0.21.0-py311_0.conda"))

        // Bad input changes nothing and says what to do.
        let unknown = try scratch.run([
            "channel", "revoke", "linux-64/nope-1.0-0.conda", "--reason", "x", "--yes", "--as", "alice",
        ])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("linux-64/nope-1.0-0.conda is not on main"), "\(unknown.stderr)")
        let noReason = try scratch.run(["channel", "revoke", vision, "--yes", "--as", "alice"])
        #expect(noReason.status == 2)
        #expect(noReason.stderr.contains("--reason"), "\(noReason.stderr)")
        let notRM = try scratch.run(
            ["channel", "revoke", "noarch/kornia-0.7.3-pyhd_0.tar.bz2", "--reason", "x", "--yes", "--as", "team"])
        #expect(notRM.status == 1)
        #expect(notRM.stderr.contains("a release manager of 2.6.0"), "\(notRM.stderr)")

        // The old kornia, which no install of the release picks: it may go, and goes.
        let old = "kornia-0.7.3-pyhd_0.tar.bz2"
        let mayGo = try Self.object(try scratch.run(["channel", "revoke", old, "--reason", "bad metadata", "--json"]))
        #expect(mayGo["ok"] as? Bool == true)
        #expect((mayGo["changes"] as? [Any])?.isEmpty == true, "\(mayGo)")
        let moved = try scratch.run(
            [
                "channel", "revoke", old, "--reason", "bad metadata", "--yes", "--expect-main", String(generation),
                "--as", "alice",
            ])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("main is now generation \(generation + 1)"), "\(moved.stdout)")
        #expect(!(try Self.listed(scratch, "noarch").contains(old)))
        #expect(try Self.listed(scratch, "label/broken/noarch") == [old])
        #expect(FileManager.default.fileExists(atPath: scratch.channel + "/label/broken/noarch/" + old))
        #expect(!FileManager.default.fileExists(atPath: scratch.channel + "/noarch/" + old))
        let verified = try scratch.json(["channel", "verify"])
        #expect(verified["ok"] as? Bool == true, "\(verified)")

        // A stale --expect-main is refused.
        let stale = try scratch.run(
            [
                "channel", "revoke", vision, "--reason", "x", "--force", "--yes", "--expect-main", String(generation),
                "--as", "alice",
            ])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("main changed"), "\(stale.stderr)")

        // --force takes the broken torchvision off all the same, and says so.
        let forced = try Self.object(
            try scratch.run(
                [
                    "channel", "revoke", vision, "--reason", "truncated upload", "--force", "--yes", "--as", "alice",
                    "--json",
                ]))
        #expect(forced["forced"] as? Bool == true)
        #expect(forced["main_generation"] as? Int == generation + 2)
        #expect(!(try Self.listed(scratch, "linux-64").contains("torchvision-0.21.0-py311_0.conda")))
        #expect(try Self.listed(scratch, "label/broken/linux-64") == ["torchvision-0.21.0-py311_0.conda"])

        // The channel's log: who, why, what, and that it was forced.
        let log = try scratch.json(["channel", "log"])
        let entries = try #require(log["entries"] as? [[String: Any]])
        #expect(entries.map { $0["reason"] as? String } == ["bad metadata", "truncated upload"])
        #expect(entries.allSatisfy { $0["actor"] as? String == "alice" && $0["action"] as? String == "revoke" })
        #expect(entries.map { $0["to_generation"] as? Int } == [generation + 1, generation + 2])
        let detail = try #require(entries.last?["detail"] as? [String: Any])
        #expect((detail["forced_past"] as? [String])?.isEmpty == false)
        let logText = try scratch.run(["channel", "log"]).stdout
        #expect(logText.contains("alice  revoke (generation \(generation + 1) -> \(generation + 2)): truncated upload"))
        #expect(logText.contains("    linux-64/torchvision-0.21.0-py311_0.conda"))
        #expect(try scratch.run(["db", "verify"]).status == 0)
    }

    @Test(
        "with no solver and the catalog's default fail-closed, a revocation is refused unless --force",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func failClosedWithoutSolver() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try Self.released()
        defer { scratch.remove() }
        let none = ["RAILYARD_PYTHON": "no-such-python"]
        let old = "kornia-0.7.3-pyhd_0.tar.bz2"
        let dryRun = try scratch.run(["channel", "revoke", old, "--reason", "x", "--json"], environment: none)
        #expect(dryRun.status == 1)
        let plan = try Self.object(dryRun)
        #expect((plan["not_run"] as? String)?.hasPrefix("no-such-python exited") == true, "\(plan)")
        #expect(
            (plan["refusals"] as? [String])?.first?.hasSuffix("and the catalog says fail-closed") == true, "\(plan)")
        let forced = try scratch.run(
            ["channel", "revoke", old, "--reason", "x", "--yes", "--force", "--as", "alice"], environment: none)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(!(try Self.listed(scratch, "noarch").contains(old)))
    }
}
