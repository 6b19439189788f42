import Foundation
import Testing

/// `railyard train supersede` on a real database and channel: the old train ends, the new one
/// takes over what holds, the carried builds' files are on its label, and both logs say it.
@Suite("train supersede: the next train carries acknowledgements, declines, exclusions and still-valid builds")
struct SupersedeTests {
    /// The small distribution with more downstream packages, so that every kind of work is there
    /// to carry: a bump that stages a build, one that acknowledges, an ABI rebuild that declines,
    /// a bump the release manager excludes, and a package that is only tested.
    static let catalog = """
        distribution: pytorch
        channel: pytorch
        core: pytorch
        subdirs: [linux-64, osx-arm64, noarch]
        release_managers: [alice]
        contacts:
          alice: {email: alice@example.org}
          team: {email: team@example.org}
          fast: {email: fast@example.org}
        packages:
          pytorch: {version: 2.5.1, maintainers: [alice]}
          torchvision:
            version: 0.20.1
            companion: true
            abi: true
            depends: ["pytorch 2.5.1.*"]
            maintainers: [team]
          kornia: {version: 0.7.3, depends: ["pytorch >=1.9.1,<2.6"], maintainers: [team]}
          fastai: {version: 2.7.17, depends: ["pytorch >=1.10,<2.6"], maintainers: [fast]}
          detectron2: {version: "0.6", abi: true, depends: ["pytorch 2.5.*"], maintainers: [team]}
          pyro-ppl: {version: 1.9.1, depends: ["pytorch >=2.0,<2.6"], maintainers: [team]}
          captum: {version: 0.7.0, depends: ["pytorch >=1.6,<3"], maintainers: [team]}
        solver:
          on_unavailable: fail-open
        """

    @Test(
        "a 2.6.0 train in downstream superseded by 2.7.0: what carries, what does not, the files, the logs, the notices"
    )
    func supersede() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let catalog = scratch.path("distro.yml")
        try Data(Self.catalog.utf8).write(to: URL(fileURLWithPath: catalog))
        try scratch.makeNewBuilds()
        try CondaPackages.make(
            scratch.path("new/noarch"), "kornia", "0.7.5", "pyhd_0", "noarch", depends: ["pytorch >=2.0,<3"],
            noarch: "python")
        try scratch.must(["train", "create", "2.6.0", "--catalog", catalog, "--as", "alice"])
        try scratch.must(
            ["train", "rc", "2.6.0", "--number", "1", "--as", "alice"]
                + ["linux-64", "osx-arm64"].map { scratch.path("new/\($0)/pytorch-2.6.0-py311_0.conda") })
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(
            ["stage", "--train", "2.6.0", "--as", "team"]
                + ["linux-64", "osx-arm64"].map { scratch.path("new/\($0)/torchvision-0.21.0-py311_0.conda") })
        try scratch.passEverything()
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must([
            "stage", scratch.path("new/noarch/kornia-0.7.5-pyhd_0.conda"), "--train", "2.6.0", "--as", "team",
        ])
        try scratch.must(["bump", "ack", "fastai", "--train", "2.6.0", "--eta", "2027-01-15", "--as", "fast"])
        try scratch.must([
            "bump", "decline", "detectron2", "--train", "2.6.0", "--reason", "needs the CUDA 12.8 toolchain", "--as",
            "team",
        ])
        try scratch.must(["train", "exclude", "2.6.0", "pyro-ppl", "--reason", "upstream archived", "--as", "alice"])
        let trainsBefore = try scratch.json(["train", "list"])

        // Refused, changing nothing: a maintainer may not, nor may an older version take its place.
        let byMaintainer = try scratch.run([
            "train", "supersede", "2.6.0", "--by", "2.7.0", "--catalog", catalog, "--as", "team",
        ])
        #expect(byMaintainer.status == 1)
        #expect(byMaintainer.stderr.contains("team may not create"), "\(byMaintainer.stderr)")
        let older = try scratch.run([
            "train", "supersede", "2.6.0", "--by", "2.5.9", "--catalog", catalog, "--as", "alice", "--json",
        ])
        #expect(older.status == 1)
        #expect(older.stdout.contains(#""code":"supersede-not-newer""#), "\(older.stdout)")
        #expect(try scratch.json(["train", "list"]) as NSDictionary == trainsBefore as NSDictionary)
        #expect(!FileManager.default.fileExists(atPath: scratch.channel + "/label/train-2.7.0"))

        let answer = try scratch.json([
            "train", "supersede", "2.6.0", "--by", "2.7.0", "--catalog", catalog, "--as", "alice",
        ])
        #expect(answer["train"] as? String == "2.6.0")
        #expect(answer["by"] as? String == "2.7.0")
        func items(_ key: String) throws -> [String: String] {
            let list = try #require(answer[key] as? [[String: String]])
            return Dictionary(
                list.map { ("\($0["member"]!) \($0["what"]!)", $0["detail"]!) }, uniquingKeysWith: { first, _ in first }
            )
        }
        let carried = try items("carried")
        #expect(
            Set(carried.keys) == [
                "kornia build", "fastai acknowledgement", "detectron2 decline", "pyro-ppl exclusion",
            ], "\(carried)")
        #expect(carried["fastai acknowledgement"] == "ETA 2027-01-15")
        #expect(carried["detectron2 decline"] == "needs the CUDA 12.8 toolchain")
        #expect(carried["kornia build"] == "0.7.5 as a candidate, to be tested again")
        let left = try items("not_carried")
        #expect(
            Set(left.keys) == ["pytorch rc", "torchvision build", "torchvision test result"], "\(left)")

        // The old train ended, naming its successor; the new one holds the carried work.
        let ended = try scratch.json(["train", "status", "2.6.0"])
        #expect(ended["stage"] as? String == "aborted")
        #expect(ended["superseded_by"] as? String == "2.7.0")
        let next = try scratch.json(["train", "status", "2.7.0"])
        #expect(next["supersedes"] as? String == "2.6.0")
        #expect(next["stage"] as? String == "planned")
        let states = try #require(next["members"] as? [[String: Any]]).reduce(into: [String: String]()) {
            $0[$1["name"] as! String] = $1["state"] as? String
        }
        #expect(
            states == [
                "torchvision": "pending", "kornia": "built", "fastai": "acknowledged", "detectron2": "declined",
                "pyro-ppl": "excluded", "captum": "built",
            ], "\(states)")
        let text = try scratch.must(["train", "status", "2.7.0"]).stdout
        #expect(text.contains("supersedes train 2.6.0"), "\(text)")

        // kornia's file is on the new train's label as it was on the old one's, and the channel
        // and the database are sound.
        #expect(try ChannelRevokeTests.listed(scratch, "label/train-2.7.0/noarch") == ["kornia-0.7.5-pyhd_0.conda"])
        #expect(try ChannelRevokeTests.listed(scratch, "label/train-2.6.0/noarch") == ["kornia-0.7.5-pyhd_0.conda"])
        #expect(try scratch.json(["channel", "verify"])["ok"] as? Bool == true)
        #expect(try scratch.run(["db", "verify"]).status == 0)

        // Both logs say what was carried and what was not.
        let oldLog = try scratch.must(["train", "log", "2.6.0"]).stdout
        #expect(oldLog.contains("superseded by train 2.7.0: 4 carried to 2.7.0"), "\(oldLog)")
        #expect(oldLog.contains("3 not carried"))
        let newLog = try scratch.must(["train", "log", "2.7.0"]).stdout
        #expect(newLog.contains("supersedes train 2.6.0: 4 carried from 2.6.0"), "\(newLog)")
        #expect(newLog.contains("fastai: acknowledgement carried from 2.6.0, ETA 2027-01-15"))
        #expect(newLog.contains("torchvision build: 0.21.0 was built against 2.6.0 RC 1"))

        // fastai's maintainer hears that the acknowledgement holds in 2.7.0.
        let deliveries = try #require(try scratch.json(["notify", "list"])["deliveries"] as? [[String: Any]])
        let carriedNotice = try #require(
            deliveries.first { $0["kind"] as? String == "carried" && $0["recipient"] as? String == "fast" })
        #expect(carriedNotice["train"] as? String == "2.7.0")
        let shown = try scratch.json(["notify", "show", try #require(carriedNotice["id"] as? String)])
        #expect(shown["subject"] as? String == "[railyard] torch 2.7.0: fastai's work carried over from 2.6.0")
        #expect(deliveries.contains { $0["kind"] as? String == "superseded" && $0["train"] as? String == "2.6.0" })

        // Ended, it cannot be superseded again; the new train goes on from the carried work.
        let again = try scratch.run([
            "train", "supersede", "2.6.0", "--by", "2.8.0", "--catalog", catalog, "--as", "alice",
        ])
        #expect(again.status == 1)
        #expect(again.stderr.contains("supersede is not allowed while the train is aborted"), "\(again.stderr)")
        let staged = try scratch.run([
            "stage", scratch.path("new/noarch/kornia-0.7.5-pyhd_0.conda"), "--train", "2.7.0", "--as", "team", "--json",
        ])
        #expect(staged.status == 0)
        #expect(
            staged.stdout.contains(#""changed":false"#), "the carried build is registered already: \(staged.stdout)")
    }
}
