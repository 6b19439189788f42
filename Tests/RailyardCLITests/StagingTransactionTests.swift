import Foundation
import Testing

/// Staging decides against one revision of the train and records every registration in one
/// transaction, while the new files wait unlisted on the label: they are visible only once
/// recorded.
@Suite("staging: one transaction against the revision it checked; files visible only once recorded")
struct StagingTransactionTests {
    /// The files listed on the train's staging label for `subdir`.
    static func listed(_ scratch: ChannelScratch, _ subdir: String) -> [String: String] {
        let path = scratch.channel + "/label/train-2.6.0/" + subdir + "/repodata.json"
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        var files: [String: String] = [:]
        for key in ["packages", "packages.conda"] {
            for (name, record) in object[key] as? [String: [String: Any]] ?? [:] {
                files[name] = record["sha256"] as? String
            }
        }
        return files
    }

    /// Whether the promotion's dry run finds every registered build on the label as registered.
    static func buildsAsRegistered(_ scratch: ChannelScratch) throws -> Bool {
        let plan = try scratch.json(["train", "promote", "2.6.0", "--as", "alice"])
        let checks = plan["checks"] as? [[String: Any]] ?? []
        let check = checks.first { ($0["name"] as? String)?.hasPrefix("every build of the train is on") == true }
        return check?["ok"] as? Bool == true
    }

    @Test("two processes stage different files under one name at once: exactly one wins, in every round")
    func racingStages() async throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        try scratch.makeNewBuilds()
        try scratch.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        try scratch.must(
            ["train", "rc", "2.6.0", "--number", "1", "--as", "alice"]
                + ["linux-64", "osx-arm64"].map { scratch.path("new/\($0)/pytorch-2.6.0-py311_0.conda") })
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        for round in 0..<6 {
            // Two builds of torchvision whose files share a name but not their content.
            let build = "py311_\(round + 1)"
            let files = try ["a", "b"].map { side in
                try CondaPackages.make(
                    scratch.path("race-\(round)-\(side)"), "torchvision", "0.21.0", build, "linux-64",
                    depends: side == "a" ? ["pytorch 2.6.0.*"] : ["pytorch 2.6.0.*", "python >=3.9"])
            }
            let scratchCopy = scratch
            async let first = Task.detached {
                try scratchCopy.run(["stage", files[0], "--train", "2.6.0", "--as", "team"])
            }.value
            async let second = Task.detached {
                try scratchCopy.run(["stage", files[1], "--train", "2.6.0", "--as", "team"])
            }.value
            let results = try await [first, second]
            let winners = results.indices.filter { results[$0].status == 0 }
            #expect(winners.count == 1, "round \(round): \(results.map { "\($0.status) \($0.stderr)" })")
            guard let winner = winners.first else { continue }
            let loser = results[1 - winner]
            #expect(loser.status == 1 && loser.stderr.contains("torchvision-0.21.0-\(build).conda"), "\(loser.stderr)")
            // The label lists the winner's file, and the train registered exactly that file.
            let sha = try Tool.run("sha256sum", [files[winner]]).stdout.split(separator: " ").first.map(String.init)
            #expect(Self.listed(scratch, "linux-64")["torchvision-0.21.0-\(build).conda"] == sha)
            #expect(try Self.buildsAsRegistered(scratch), "round \(round)")
            #expect(try scratch.run(["channel", "verify"]).status == 0)
        }
    }

    @Test("a stage of 150 builds killed at 20 random instants: all of them registered and listed, or none")
    func killedStages() throws {
        let template = try ChannelScratch()
        defer { template.remove() }
        try PromotionCrashTests.prepare(template, stagingDownstream: false)
        let files = FileSystemListing.files(template.path("new/noarch")).map { template.path("new/noarch/" + $0) }
        #expect(files.count == PromotionCrashTests.downstream)

        let timing = try ChannelScratch.copy(of: template)
        defer { timing.remove() }
        let started = Date()
        try timing.must(["stage", "--train", "2.6.0", "--as", "team"] + files)
        let duration = Date().timeIntervalSince(started)

        var generator = SystemRandomNumberGenerator()
        var seen = (none: 0, all: 0)
        for run in 0..<20 {
            let scratch = try ChannelScratch.copy(of: template)
            defer { scratch.remove() }
            try scratch.kill(
                ["stage", "--train", "2.6.0", "--as", "team"] + files,
                after: Double.random(in: 0...(duration * 1.1), using: &generator))

            // Before any recovery: nothing is listed that the train did not record.
            let built = try (scratch.json(["train", "status", "2.6.0"])["members"] as? [[String: Any]] ?? []).filter {
                ($0["name"] as? String)?.hasPrefix("pkg") == true && $0["state"] as? String == "built"
            }.count
            let listed = Self.listed(scratch, "noarch").keys.filter { $0.hasPrefix("pkg") }.count
            #expect(listed == 0 || listed == built, "run \(run): \(listed) listed, \(built) registered")
            #expect(built == 0 || built == PromotionCrashTests.downstream, "run \(run): \(built) of 150 registered")
            // The next command lists what was recorded or removes what was not: verify is clean,
            // and every registered build is on the label as registered.
            let verify = try scratch.run(["channel", "verify"])
            #expect(verify.status == 0, "run \(run): \(verify.stdout)\(verify.stderr)")
            let after = Self.listed(scratch, "noarch").keys.filter { $0.hasPrefix("pkg") }.count
            #expect(after == built, "run \(run): \(after) listed after recovery, \(built) registered")
            if built == 0 { seen.none += 1 } else { seen.all += 1 }
            // Staging again completes it.
            try scratch.must(["stage", "--train", "2.6.0", "--as", "team"] + files)
            #expect(Self.listed(scratch, "noarch").keys.filter { $0.hasPrefix("pkg") }.count == files.count)
        }
        print("killed stages: \(seen.none) recorded nothing, \(seen.all) everything (staging took \(duration) s)")
    }
}
