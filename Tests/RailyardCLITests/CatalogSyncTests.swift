import Foundation
import Testing

/// `catalog sync`: the catalog follows what a released train put on main, as a small diff.
@Suite("catalog sync: versions and changed specs from a released train, comments and order kept")
struct CatalogSyncTests {
    @Test(
        "after 2.6.0 is released, --check says the file is behind; sync moves only the changed values; create then plans from it",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func sync() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.releaseSmallTrain(installCheck: "pytorch torchvision")
        let file = scratch.path("distro.yml")
        let before = try String(contentsOfFile: file, encoding: .utf8)

        let behind = try scratch.run(["catalog", "sync", file, "--from-train", "2.6.0", "--check", "--json"])
        #expect(behind.status == 1, "\(behind.stdout)\(behind.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(behind.stdout.utf8)) as? [String: Any])
        #expect(answer["written"] as? Bool == false)
        let edits = try #require(answer["edits"] as? [[String: Any]])
        let described = Set(edits.map { "\($0["package"]!) \($0["field"]!): \($0["from"]!) -> \($0["to"]!)" })
        #expect(
            described == [
                "pytorch version: 2.5.1 -> 2.6.0", "torchvision version: 0.20.1 -> 0.21.0",
                "torchvision depends: pytorch 2.5.1.* -> pytorch 2.6.0.*", "kornia version: 0.7.3 -> 0.7.4",
                "kornia depends: pytorch >=1.9.1,<2.6 -> pytorch >=1.9.1,<2.7",
            ], "\(described)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == before, "--check writes nothing")

        let synced = try scratch.run(["catalog", "sync", file, "--from-train", "2.6.0"])
        #expect(synced.status == 0, "\(synced.stderr)")
        #expect(synced.stdout.contains("brought up to train 2.6.0"))
        let after = try String(contentsOfFile: file, encoding: .utf8)
        // Line for line: the same lines, comments included, but for the five values.
        let old = before.split(separator: "\n", omittingEmptySubsequences: false)
        let new = after.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(old.count == new.count)
        let changed = zip(old, new).filter { $0 != $1 }
        #expect(
            changed.map { "\($0) => \($1)" } == [
                "    version: 2.5.1 =>     version: 2.6.0",
                "    version: 0.20.1 =>     version: 0.21.0",
                #"    depends: ["pytorch 2.5.1.*"] =>     depends: ["pytorch 2.6.0.*"]"#,
                "    version: 0.7.3 =>     version: 0.7.4",
                #"    depends: ["pytorch >=1.9.1,<2.6"] =>     depends: ["pytorch >=1.9.1,<2.7"]"#,
            ], "\(changed)")
        #expect(old.filter { $0.hasPrefix("#") } == new.filter { $0.hasPrefix("#") })
        let valid = try RailyardProcess.run(["catalog", "check", file])
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        let upToDate = try scratch.run(["catalog", "sync", file, "--from-train", "2.6.0", "--check"])
        #expect(upToDate.status == 0)
        #expect(upToDate.stdout.contains("is up to date with train 2.6.0"))

        // The synced catalog plans the patch train without --stale-ok, as a patch.
        let created = try scratch.run(["train", "create", "2.6.1", "--catalog", file, "--as", "alice"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("patch train for pytorch 2.6.1"), "\(created.stdout)")
        // A train not released is no source.
        let notReleased = try scratch.run(["catalog", "sync", file, "--from-train", "2.6.1", "--check"])
        #expect(notReleased.status == 1)
        #expect(notReleased.stderr.contains("train 2.6.1 is planned, not released"), "\(notReleased.stderr)")
    }
}
