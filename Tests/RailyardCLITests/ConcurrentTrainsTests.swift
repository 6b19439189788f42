import Foundation
import Testing

/// Trains that overlap: a patch release promoted after the next minor is on main.
@Suite("several trains: a patch train after the next minor adds to main and takes nothing from it")
struct ConcurrentTrainsTests {
    @Test(
        "2.5.2 promoted after 2.6.0: main gains 2.5.2's files, keeps 2.6.0's, and users asking for no version still get 2.6.0",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func patchAfterMinor() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        // 2.6.0 is released; the small catalog still says 2.5.1, the series the patch continues.
        try scratch.releaseSmallTrain(installCheck: "pytorch torchvision")
        for subdir in ["linux-64", "osx-arm64"] {
            try CondaPackages.make(scratch.path("patch/\(subdir)"), "pytorch", "2.5.2", "py311_0", subdir)
            try CondaPackages.make(
                scratch.path("patch/\(subdir)"), "torchvision", "0.20.2", "py311_0", subdir,
                depends: ["pytorch 2.5.2.*"])
        }
        // The catalog still says 2.5.1, behind the released 2.6.0: refused, unless --stale-ok.
        let again = try scratch.run([
            "train", "create", "2.6.0", "--catalog", scratch.path("distro.yml"), "--as", "alice",
        ])
        #expect(again.status == 1)
        #expect(
            again.stderr.contains("a new train of the 2.6 series must be newer than 2.6.0, and 2.6.0 is not"),
            "\(again.stderr)")
        let stale = try scratch.run([
            "train", "create", "2.6.1", "--catalog", scratch.path("distro.yml"), "--as", "alice",
        ])
        #expect(stale.status == 1)
        #expect(
            stale.stderr.contains("the catalog says pytorch 2.5.1, but train 2.6.0 released 2.6.0"), "\(stale.stderr)")
        #expect(stale.stderr.contains("--stale-ok"))
        #expect(try scratch.json(["train", "list"])["trains"].map { ($0 as? [Any])?.count } == 1)
        let created = try scratch.must([
            "train", "create", "2.5.2", "--catalog", scratch.path("distro.yml"), "--stale-ok", "--as", "alice",
        ])
        #expect(created.stdout.contains("warning: the catalog says pytorch 2.5.1, but train 2.6.0 released 2.6.0"))
        try scratch.must(
            [
                "train", "rc", "2.5.2", "--number", "1", scratch.path("patch/linux-64/pytorch-2.5.2-py311_0.conda"),
                scratch.path("patch/osx-arm64/pytorch-2.5.2-py311_0.conda"), "--as", "alice",
            ])
        try scratch.must(["train", "advance", "2.5.2", "--as", "alice"])
        try scratch.must(["train", "advance", "2.5.2", "--as", "alice"])
        try scratch.must(
            ["stage", "--train", "2.5.2", "--as", "team"]
                + ["linux-64", "osx-arm64"].map { scratch.path("patch/\($0)/torchvision-0.20.2-py311_0.conda") })
        for _ in 0..<4 {
            try scratch.passEverything(train: "2.5.2")
            if try scratch.json(["train", "status", "2.5.2"])["stage"] as? String == "staged" { break }
            try scratch.must(["train", "advance", "2.5.2", "--as", "alice"])
        }
        try scratch.passEverything(train: "2.5.2")
        try scratch.must(["train", "final", "2.5.2", "--rc", "1", "--as", "alice"])

        // The dry run solves what users type with no version against main now and after: the
        // same answer, and it says so.
        let dryRun = try scratch.json(["train", "promote", "2.5.2", "--as", "alice"])
        #expect(dryRun["ok"] as? Bool == true, "\(dryRun["checks"] ?? "")")
        #expect((dryRun["changes"] as? [Any])?.isEmpty == true, "\(dryRun["changes"] ?? "")")
        let solves = try #require(dryRun["solves"] as? [[String: Any]])
        let unpinned = try #require(
            solves.first { $0["name"] as? String == "linux-64/any: pytorch torchvision (no version asked)" })
        let picked = try #require(unpinned["picked"] as? [[String: Any]])
        #expect(picked.contains { $0["name"] as? String == "pytorch" && $0["version"] as? String == "2.6.0" })
        let text = try scratch.run(["train", "promote", "2.5.2", "--as", "alice"]).stdout
        #expect(text.contains("what users get with no version asked does not change"), "\(text)")

        try scratch.must(["train", "promote", "2.5.2", "--yes", "--as", "alice"])
        let listed = try ChannelRevokeTests.listed(scratch, "linux-64")
        #expect(
            listed.isSuperset(of: [
                "pytorch-2.6.0-py311_0.conda", "torchvision-0.21.0-py311_0.conda", "pytorch-2.5.2-py311_0.conda",
                "torchvision-0.20.2-py311_0.conda", "pytorch-2.5.1-py311_0.conda",
            ]), "\(listed)")
        // A user asking for no version gets 2.6.0; one asking for the 2.5 series gets the patch.
        #expect(try scratch.solve(["pytorch", "torchvision"]) == ["pytorch": "2.6.0", "torchvision": "0.21.0"])
        #expect(try scratch.solve(["pytorch 2.5.*", "torchvision"]) == ["pytorch": "2.5.2", "torchvision": "0.20.2"])
        #expect(try scratch.json(["channel", "verify"])["ok"] as? Bool == true)
        #expect(try scratch.run(["db", "verify"]).status == 0)
    }

    @Test("a member of two active trains: one request per train, each naming its train, and a state in each")
    func memberInTwoTrains() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        // The next minor and a patch of the current series, from the same catalog (2.5.1).
        for version in ["2.6.0", "2.5.2"] {
            for subdir in ["linux-64", "osx-arm64"] {
                try CondaPackages.make(scratch.path("rc/\(version)/\(subdir)"), "pytorch", version, "py311_0", subdir)
            }
            try scratch.must(["train", "create", version, "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
            try scratch.must(
                ["train", "rc", version, "--number", "1", "--as", "alice"]
                    + ["linux-64", "osx-arm64"].map {
                        scratch.path("rc/\(version)/\($0)/pytorch-\(version)-py311_0.conda")
                    })
            try scratch.must(["train", "advance", version, "--as", "alice"])
            try scratch.must(["train", "advance", version, "--as", "alice"])
        }
        // torchvision is asked for in each train, by a request that names the train.
        let listed = try scratch.json(["notify", "list"])
        let requests = try #require(listed["deliveries"] as? [[String: Any]]).filter {
            $0["kind"] as? String == "request" && $0["recipient"] as? String == "team"
        }
        #expect(Set(requests.compactMap { $0["train"] as? String }) == ["2.6.0", "2.5.2"], "\(requests)")
        #expect(requests.count == 2, "one request per train: \(requests)")
        for request in requests {
            let train = try #require(request["train"] as? String)
            let shown = try scratch.json(["notify", "show", try #require(request["id"] as? String)])
            #expect((shown["subject"] as? String)?.hasPrefix("[railyard] torch \(train): torchvision needs") == true)
            #expect((shown["text"] as? String)?.contains("--train \(train)") == true)
        }
        // Answered in one train, it stays asked for in the other.
        try scratch.must(["bump", "ack", "torchvision", "--train", "2.6.0", "--as", "team"])
        func state(_ train: String) throws -> String? {
            let members = try #require(try scratch.json(["train", "status", train])["members"] as? [[String: Any]])
            return members.first { $0["name"] as? String == "torchvision" }?["state"] as? String
        }
        #expect(try state("2.6.0") == "acknowledged")
        #expect(try state("2.5.2") == "requested")
        #expect(try scratch.run(["db", "verify"]).status == 0)
    }
}
