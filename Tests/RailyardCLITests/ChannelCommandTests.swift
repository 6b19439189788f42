import Foundation
import Testing

@Suite("railyard stage, channel and promote: real packages, a real channel, py-rattler as the reader")
struct ChannelCommandTests {
    @Test(
        "a train staged and promoted: before, main gives the old versions; after, the new ones",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func promoteEndToEnd() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        #expect(try scratch.solve(["pytorch", "kornia"]) == ["pytorch": "2.5.1", "kornia": "0.7.3"])
        try scratch.makeNewBuilds()
        try scratch.driveToStaged()
        // The staging label is a channel of its own; main has not changed.
        #expect(
            try scratch.solve(["pytorch", "kornia"], label: "train-2.6.0") == ["pytorch": "2.6.0", "kornia": "0.7.4"])
        #expect(try scratch.solve(["pytorch", "kornia"]) == ["pytorch": "2.5.1", "kornia": "0.7.3"])

        let dryRun = try scratch.json(["train", "promote", "2.6.0", "--as", "alice"])
        #expect(dryRun["dry_run"] as? Bool == true)
        #expect(dryRun["ok"] as? Bool == true)
        let gains = try #require(dryRun["gains"] as? [String: [[String: Any]]])
        #expect(
            gains["linux-64"]?.compactMap { $0["file"] as? String } == [
                "pytorch-2.6.0-py311_0.conda", "torchvision-0.21.0-py311_0.conda",
            ])
        #expect(gains["noarch"]?.first?["sha256"] as? String != nil)
        let checks = try #require(dryRun["checks"] as? [[String: Any]])
        #expect(checks.count == 8)
        #expect(checks.last?["name"] as? String == "a real solver installs what users will type from the future main")
        #expect(checks.allSatisfy { $0["ok"] as? Bool == true })
        let generation = try #require(dryRun["main_generation"] as? Int)
        // A dry run changes nothing.
        #expect(try scratch.solve(["pytorch", "kornia"]) == ["pytorch": "2.5.1", "kornia": "0.7.3"])

        let moved = try scratch.json([
            "train", "promote", "2.6.0", "--yes", "--expect-main", String(generation), "--as", "alice",
        ])
        #expect(moved["dry_run"] as? Bool == false)
        #expect(moved["main_generation"] as? Int == generation + 1)
        #expect(
            try scratch.solve(["pytorch", "kornia", "torchvision"])
                == ["pytorch": "2.6.0", "kornia": "0.7.4", "torchvision": "0.21.0"])
        // Installed for real: every file fetched from the channel and checked against its sha256.
        #expect(
            try scratch.install(["pytorch", "torchvision"])
                == ["pytorch-2.6.0-py311_0.json", "torchvision-0.21.0-py311_0.json"])
        // The old versions stay installable by an exact pin.
        #expect(try scratch.solve(["pytorch==2.5.1"]) == ["pytorch": "2.5.1"])
        let status = try scratch.json(["train", "status", "2.6.0"])
        #expect(status["stage"] as? String == "released")
        let verify = try scratch.json(["channel", "verify"])
        #expect(verify["ok"] as? Bool == true, "\(verify)")
        // Promoting again is refused by the train's rules: it is released.
        #expect(try scratch.run(["train", "promote", "2.6.0", "--yes", "--as", "alice"]).status == 1)
    }

    @Test("a companion without a build for one subdir holds the gate, and the dry run refuses, changing nothing")
    func variantCompleteness() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        try scratch.makeNewBuilds(torchvisionSubdirs: ["linux-64"])
        try scratch.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        try scratch.must([
            "train", "rc", "2.6.0", "--number", "1", scratch.path("new/linux-64/pytorch-2.6.0-py311_0.conda"),
            scratch.path("new/osx-arm64/pytorch-2.6.0-py311_0.conda"), "--as", "alice",
        ])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must([
            "stage", scratch.path("new/linux-64/torchvision-0.21.0-py311_0.conda"), "--train", "2.6.0", "--as", "team",
        ])
        try scratch.passEverything()
        // Its linux-64 cell passed; the osx-arm64 cell has no build: the gate says so.
        let gate = try scratch.run(["train", "advance", "2.6.0", "--as", "alice"])
        #expect(gate.status == 1)
        #expect(gate.stderr.contains("torchvision (built; no build for osx-arm64/any)"), "\(gate.stderr)")
        let before = scratch.files()
        let dryRun = try scratch.run(["train", "promote", "2.6.0", "--as", "alice"])
        #expect(dryRun.status == 1)
        #expect(
            dryRun.stdout.contains(
                "[not ok] subdir completeness: every package has a build for every required subdir:"
                    + " torchvision 0.21.0 has no build for osx-arm64"))
        #expect(
            dryRun.stdout.contains("torchvision 0.21.0: no build for pytorch py311_0 (osx-arm64)"), "\(dryRun.stdout)")
        let refused = try scratch.run(["train", "promote", "2.6.0", "--yes", "--as", "alice", "--json"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("\"code\":\"promotion-refused\""))
        #expect(scratch.files() == before)
        #expect(try scratch.json(["train", "status", "2.6.0"])["stage"] as? String == "companions")
    }

    @Test("staging: the same file again changes nothing; other content under a published name is refused")
    func stagingRules() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        try scratch.makeNewBuilds()
        try scratch.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        // The core's files go through train rc, and only at the train's version.
        let core = try scratch.run([
            "stage", scratch.path("new/linux-64/pytorch-2.6.0-py311_0.conda"), "--train", "2.6.0", "--as", "alice",
        ])
        #expect(core.status == 1)
        #expect(core.stderr.contains("pytorch is the core: register its files as an RC"))
        let wrongRC = try scratch.run([
            "train", "rc", "2.6.0", "--number", "1", scratch.channel + "/linux-64/pytorch-2.5.1-py311_0.conda",
            "--as", "alice",
        ])
        #expect(wrongRC.status == 2)
        #expect(wrongRC.stderr.contains("an RC is pytorch 2.6.0"))
        try scratch.must([
            "train", "rc", "2.6.0", "--number", "1", scratch.path("new/linux-64/pytorch-2.6.0-py311_0.conda"),
            scratch.path("new/osx-arm64/pytorch-2.6.0-py311_0.conda"), "--as", "alice",
        ])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        let file = scratch.path("new/linux-64/torchvision-0.21.0-py311_0.conda")
        let first = try scratch.json(["stage", file, "--train", "2.6.0", "--as", "team"])
        let revision = try #require((first["staged"] as? [[String: Any]])?.first?["revision"] as? Int)
        let again = try scratch.json(["stage", file, "--train", "2.6.0", "--as", "team"])
        #expect((again["staged"] as? [[String: Any]])?.first?["changed"] as? Bool == false)
        #expect(try scratch.json(["train", "status", "2.6.0"])["revision"] as? Int == revision)
        // Another build under the same file name: refused, nothing written.
        try CondaPackages.make(
            scratch.path("other/linux-64"), "torchvision", "0.21.0", "py311_0", "linux-64",
            depends: ["pytorch 2.6.0.*", "pillow"])
        try CondaPackages.make(
            scratch.path("old-pin/linux-64"), "torchvision", "0.21.0", "py311_1", "linux-64",
            depends: ["pytorch 2.5.1.*"])
        let before = scratch.files()
        let clash = try scratch.run([
            "stage", scratch.path("other/linux-64/torchvision-0.21.0-py311_0.conda"), "--train", "2.6.0", "--as",
            "team",
        ])
        #expect(clash.status == 1)
        #expect(clash.stderr.contains("linux-64/torchvision-0.21.0-py311_0.conda is already published on train-2.6.0"))
        #expect(scratch.files() == before)
        // A build that still pins the old torch is refused with the spec named.
        let pinned = try scratch.run([
            "stage", scratch.path("old-pin/linux-64/torchvision-0.21.0-py311_1.conda"), "--train", "2.6.0", "--as",
            "team",
        ])
        #expect(pinned.status == 1)
        #expect(pinned.stderr.contains("pins 'pytorch 2.5.1.*', which excludes pytorch 2.6.0"))
        #expect(scratch.files() == before)
        // Not a member of the train.
        try CondaPackages.make(scratch.path("stranger"), "numpy", "2.0.0", "py311_0", "linux-64")
        let stranger = try scratch.run([
            "stage", scratch.path("stranger/numpy-2.0.0-py311_0.conda"), "--train", "2.6.0", "--as", "team",
        ])
        #expect(stranger.status == 1)
        #expect(stranger.stderr.contains("numpy is not a member of train 2.6.0"))
        #expect(try scratch.json(["channel", "verify"])["ok"] as? Bool == true)
    }

    @Test(
        "hostile and broken files are refused with the file named, and nothing is written",
        arguments: [
            ("traversal", "conda", "would leave the package's directory"),
            ("traversal", "tar.bz2", "would leave the package's directory"),
            ("absolute", "conda", "would leave the package's directory"),
            ("symlink", "tar.bz2", "would leave the package's directory"),
            ("bomb", "conda", "a zip bomb?"),
            ("no-index", "conda", "not a conda package: no info-"),
            ("no-index", "tar.bz2", "not a conda package: no info/index.json"),
            ("split-bomb", "conda", "a zip bomb?"),
            ("twenty", "conda", "conda could read other metadata than Railyard"),
            ("second-info", "conda", "it holds 'info-zzz.tar.zst'"),
            ("double-index", "tar.bz2", "it holds info/index.json twice"),
            ("plain-tar", "tar.bz2", "is not bzip2-compressed"),
            ("plain-tar", "conda", "is not zstd-compressed"),
            ("symlink-chain", "conda", "followed through the package's links"),
            ("link-dotdot", "tar.bz2", "written through a linked folder"),
            ("fifo", "conda", "is a FIFO: a conda package holds only regular files"),
            ("chardev", "tar.bz2", "is a character device"),
        ])
    func hostile(kind: String, format: String, message: String) throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        let file = try CondaPackages.make(
            scratch.path("evil"), "pytorch", "2.6.0", "py311_0", "linux-64", format: format, hostile: kind)
        let before = scratch.files()
        let result = try scratch.run(["train", "rc", "2.6.0", "--number", "1", file, "--as", "alice", "--json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("pytorch-2.6.0-py311_0.\(format)"))
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(scratch.files() == before)
        #expect(
            !FileManager.default.fileExists(atPath: scratch.directory.deletingLastPathComponent().path + "/evil.sh"))
        #expect(try scratch.json(["train", "status", "2.6.0"])["rc"] is NSNull)
    }

    @Test("a renamed, a truncated and a foreign file are refused by name")
    func brokenFiles() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let renamed = try CondaPackages.make(
            scratch.path("in"), "torchvision", "0.21.0", "py311_0", "linux-64",
            fileName: "torchvision-0.22.0-py311_0.conda")
        let result = try RailyardProcess.run(["channel", "inspect", renamed])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "torchvision-0.22.0-py311_0.conda: its metadata names it torchvision-0.21.0-py311_0.conda"))

        let whole = try CondaPackages.make(scratch.path("in"), "kornia", "0.7.4", "pyhd_0", "noarch", format: "tar.bz2")
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: whole))
        let truncated = try RailyardProcess.run(["channel", "inspect", whole])
        #expect(truncated.status == 2)
        #expect(truncated.stderr.contains("kornia-0.7.4-pyhd_0.tar.bz2:"))

        let foreign = scratch.path("in/captum-0.7.0-pyhd_0.conda")
        try Data("not a zip at all".utf8).write(to: URL(fileURLWithPath: foreign))
        let notZip = try RailyardProcess.run(["channel", "inspect", foreign])
        #expect(notZip.status == 2)
        #expect(notZip.stderr.contains("captum-0.7.0-pyhd_0.conda: not a conda package"))

        let good = try CondaPackages.make(scratch.path("in"), "captum", "0.7.1", "pyhd_0", "noarch", noarch: "python")
        let inspected = try RailyardProcess.run(["channel", "inspect", good, "--json"])
        #expect(inspected.status == 0)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])
        #expect(record["name"] as? String == "captum")
        #expect(record["noarch"] as? String == "python")
        #expect((record["sha256"] as? String)?.count == 64)

        // Every field of index.json, the ones Railyard does not model too, in JSON and in text.
        let python = try CondaPackages.make(
            scratch.path("in"), "python", "3.13.5", "h2_0", "linux-64",
            extra: [
                "--set", "arch=\"x86_64\"", "--set", "platform=\"linux\"", "--set",
                "python_site_packages_path=\"lib/python3.13/site-packages\"",
            ])
        let fields = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try RailyardProcess.run(["channel", "inspect", python, "--json"]).stdout.utf8))
                as? [String: Any])
        #expect(fields["arch"] as? String == "x86_64")
        #expect(fields["platform"] as? String == "linux")
        #expect(fields["python_site_packages_path"] as? String == "lib/python3.13/site-packages")
        #expect(fields["license"] as? String == "BSD-3-Clause")
        #expect(fields["timestamp"] as? Int == 1_700_000_000_000)
        let text = try RailyardProcess.run(["channel", "inspect", python]).stdout
        #expect(text.contains("  python_site_packages_path lib/python3.13/site-packages\n"), "\(text)")
        #expect(text.contains("  arch x86_64\n"))
    }

    @Test(
        "adopting conda's own test channel (written by conda-index): the unextractable package refused by name, changing nothing; then its stale index files set aside and verify clean"
    )
    func adoptCondaIndexChannel() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let fixture = CondaPackages.fixtures.appendingPathComponent("conda_format_repo")
        try FileManager.default.copyItem(at: fixture, to: URL(fileURLWithPath: scratch.channel))
        let before = scratch.files()
        let refused = try scratch.run(["channel", "index"])
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains(
                "zlib-1.2.11-h7b6447c_3.conda: the symbolic link 'lib/libz.so.1' has an empty target, which neither"
                    + " conda-package-handling nor rattler can extract"), "\(refused.stderr)")
        // Nothing changed but the channel's own lock folder.
        #expect(scratch.files().subtracting(before).allSatisfy { $0.hasPrefix("channel/.railyard") })
        #expect(!FileManager.default.fileExists(atPath: scratch.channel + "/.main"))

        try FileManager.default.removeItem(atPath: scratch.channel + "/linux-64/zlib-1.2.11-h7b6447c_3.conda")
        let adopted = try scratch.json(["channel", "index"])
        #expect(
            adopted["set_aside"] as? [String] == [
                "channeldata.json", "index.html", "rss.xml",
                "linux-64/2dcdacf7009b4f1c21f452c5079384340257e0e1cbecb8ec484984d1fa85b115.msgpack.zst",
                "linux-64/56a0c19b47ba1a2d0f1390eda489b1c49a00d35814571057e6d81e0c93dfd157.msgpack.zst",
                "linux-64/current_repodata.json", "linux-64/repodata_shards.msgpack.zst",
                "noarch/current_repodata.json",
                "osx-64/current_repodata.json", "osx-64/patch_instructions.json",
            ], "\(adopted)")
        let verified = try scratch.run(["channel", "verify"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        // Kept, not deleted.
        #expect(
            FileManager.default.fileExists(
                atPath: scratch.channel + "/.railyard/adopted/000001/linux-64/current_repodata.json"))

        // The record is conda-index's, key for key, plus arch and platform (rattler-index
        // writes them; conda-index filters them).
        func record(_ path: String) throws -> [String: Any] {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            return try #require(
                (object["packages"] as? [String: Any])?["zlib-1.2.11-h7b6447c_3.tar.bz2"] as? [String: Any])
        }
        var ours = try record(scratch.channel + "/linux-64/repodata.json")
        let theirs = try record(fixture.path + "/linux-64/repodata.json")
        // When it entered main (CEP 47): conda-index did not say, so the file's time seeds it.
        #expect(ours.removeValue(forKey: "indexed_timestamp") is Int)
        #expect(ours.removeValue(forKey: "arch") as? String == "x86_64")
        #expect(ours.removeValue(forKey: "platform") as? String == "linux")
        #expect(ours as NSDictionary == theirs as NSDictionary)
        // The compressed repodata holds the same bytes.
        // (zstd reads it on standard input: it refuses to follow the link itself.)
        let unpacked = try Tool.run(
            "sh", ["-c", "zstd -d -c < \"$0\"", scratch.channel + "/linux-64/repodata.json.zst"])
        #expect(unpacked.status == 0)
        #expect(
            unpacked.stdout
                == (try String(contentsOfFile: scratch.channel + "/linux-64/repodata.json", encoding: .utf8)))
    }

    @Test(
        "indexed_timestamp (CEP 47): set by the channel when a file enters main, kept by every later change of main and by channel index"
    )
    func indexedTimestamp() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        func stamps(_ subdir: String) throws -> [String: Int] {
            let object = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: scratch.channel + "/\(subdir)/repodata.json")))
                    as? [String: Any])
            var result: [String: Int] = [:]
            for key in ["packages", "packages.conda"] {
                for (name, record) in object[key] as? [String: [String: Any]] ?? [:] {
                    result[name] = record["indexed_timestamp"] as? Int
                }
            }
            return result
        }
        let seeded = try stamps("linux-64")
        #expect(seeded.count == 2 && seeded.values.allSatisfy { $0 > 0 }, "\(seeded)")
        try scratch.makeNewBuilds()
        try scratch.driveToStaged()
        let before = Int(Date().timeIntervalSince1970 * 1000)
        try scratch.must(["train", "promote", "2.6.0", "--yes", "--as", "alice"])
        let after = Int(Date().timeIntervalSince1970 * 1000)
        let promoted = try stamps("linux-64")
        let stamp = try #require(promoted["pytorch-2.6.0-py311_0.conda"])
        #expect(stamp >= before - 1000 && stamp <= after, "\(stamp) not in \(before)...\(after)")
        #expect(promoted["torchvision-0.21.0-py311_0.conda"] == stamp)
        // What was on main keeps its time; the train's own label carries none (it is not main).
        for (name, value) in seeded { #expect(promoted[name] == value, "\(name)") }
        let staged = try String(
            contentsOfFile: scratch.channel + "/label/train-2.6.0/linux-64/repodata.json", encoding: .utf8)
        #expect(!staged.contains("indexed_timestamp"))
        // A later index keeps every one.
        try scratch.must(["channel", "index"])
        #expect(try stamps("linux-64") == promoted)
        #expect(try scratch.json(["channel", "verify"])["ok"] as? Bool == true)
    }

    @Test("channel verify names a missing, a changed and an unlisted file")
    func verifyFindsDamage() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        #expect(try scratch.run(["channel", "verify"]).status == 0)
        let main = scratch.channel + "/linux-64"
        try FileManager.default.removeItem(atPath: main + "/torchvision-0.20.1-py311_0.conda")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: main + "/stray.txt"))
        let noarch = scratch.channel + "/noarch/captum-0.7.0-pyhd_0.conda"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: noarch))
        bytes[bytes.count - 1] ^= 0xFF
        try FileManager.default.removeItem(atPath: noarch)
        try bytes.write(to: URL(fileURLWithPath: noarch))
        let result = try scratch.run(["channel", "verify"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("linux-64/torchvision-0.20.1-py311_0.conda: listed, but the file is missing"))
        #expect(result.stdout.contains("linux-64/stray.txt: not listed in repodata.json"))
        #expect(result.stdout.contains("noarch/captum-0.7.0-pyhd_0.conda: its sha256 differs from the repodata's"))
    }

    @Test("channel patches proposes bounds for unbounded pins on the core, and changes nothing")
    func patches() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        try CondaPackages.make(
            scratch.channel + "/noarch", "captum", "0.6.0", "pyhd_0", "noarch", depends: ["pytorch"], noarch: "python")
        try scratch.must(["channel", "index"])
        try scratch.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        let before = scratch.files()
        let result = try scratch.json(["channel", "patches", "--train", "2.6.0"])
        let affected = try #require(result["affected"] as? [[String: Any]])
        #expect(affected.count == 1)
        #expect(affected.first?["file"] as? String == "captum-0.6.0-pyhd_0.conda")
        #expect(affected.first?["proposed"] as? String == "pytorch <2.6")
        let instructions = try #require(
            (result["patch_instructions"] as? [String: Any])?["noarch"] as? [String: Any])
        #expect(instructions["patch_instructions_version"] as? Int == 1)
        let patched = (instructions["packages.conda"] as? [String: [String: [String]]])?["captum-0.6.0-pyhd_0.conda"]
        #expect(patched?["depends"] == ["pytorch <2.6"])
        #expect(scratch.files() == before)
    }

    @Test("a build number or subdir the reader would refuse back is refused at stage; the label stays readable")
    func unsoundMetadataRefused() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        try scratch.makeNewBuilds()
        try scratch.driveToStaged()
        let label = scratch.channel + "/label/train-2.6.0"
        let before = scratch.files()
        for (subdir, extra, message) in [
            ("linux-64", ["--set", "build_number=-1"], "build_number -1 is not in 0...2147483647"),
            (
                "linux-64", ["--set", "build_number=18446744073709551616"],
                "build_number 1.8446744073709552e+19 is not in 0...2147483647"
            ),
            ("evil-64", [], "subdir 'evil-64' is not a conda subdir"),
            ("repodata.json", [], "subdir 'repodata.json' is not a conda subdir"),
        ] {
            let file = try CondaPackages.make(
                scratch.path("bad-\(UUID().uuidString)"), "torchvision", "0.21.0", "py311_7", subdir,
                depends: ["pytorch 2.6.0.*"], extra: extra)
            let result = try scratch.run(["stage", file, "--train", "2.6.0", "--as", "team", "--json"])
            #expect(result.status == 2)
            #expect(
                result.stderr.contains("torchvision-0.21.0-py311_7.conda: info/index.json: \(message)"),
                "\(result.stderr)")
            #expect(result.stdout.contains("\"code\":\"bad-metadata\""))
        }
        #expect(!FileManager.default.fileExists(atPath: label + "/evil-64"))
        #expect(scratch.files().subtracting(before).allSatisfy { $0.hasPrefix("bad-") })
        // The label reads as before: a dry run and verify work.
        #expect(try scratch.run(["train", "promote", "2.6.0", "--as", "alice"]).status == 0)
        #expect(try scratch.json(["channel", "verify"])["ok"] as? Bool == true)
    }

    @Test("a package with more depends than the limit is refused at once, naming the limit")
    func tooManyDepends() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let file = try CondaPackages.make(
            scratch.path("in"), "torchvision", "0.21.0", "py311_0", "linux-64", extra: ["--depends-count", "120001"])
        let start = Date()
        let result = try RailyardProcess.run(["channel", "inspect", file, "--json"])
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(result.status == 2)
        #expect(result.stdout.contains("\"code\":\"too-many-specs\""))
        #expect(result.stderr.contains("'depends' lists 120001 specs, more than the 5000 a package may have"))
    }

    @Test("channel verify reports an interrupted write's temporary files as leftovers; channel index removes them")
    func leftoversOfAKilledStage() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let leftover = "linux-64/torchvision-0.21.0-py311_0.conda.tmp-\(dead.processIdentifier)"
        try Data("partial".utf8).write(to: URL(fileURLWithPath: scratch.channel + "/" + leftover))
        let verify = try scratch.json(["channel", "verify"])
        #expect(verify["ok"] as? Bool == true, "\(verify)")
        #expect(verify["leftovers"] as? [String] == [leftover])
        #expect(try scratch.run(["channel", "verify"]).stdout.contains("note: \(leftover): a temporary file"))
        try scratch.must(["channel", "index"])
        #expect(!FileManager.default.fileExists(atPath: scratch.channel + "/" + leftover))
        #expect(try scratch.json(["channel", "verify"])["leftovers"] as? [String] == [])
    }

    @Test("channel verify and inspect, run in an empty folder, leave it empty (no database is created)")
    func noDatabaseCreated() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        let file = scratch.channel + "/linux-64/pytorch-2.5.1-py311_0.conda"
        let empty = scratch.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        for arguments in [
            ["channel", "verify", scratch.channel], ["channel", "inspect", file],
            ["channel", "verify", scratch.channel, "--json"],
        ] {
            let result = try Tool.run(
                "sh",
                [
                    "-c", "cd \"$1\" && shift && exec env -u RAILYARD_DB -u RAILYARD_CHANNEL \"$@\"", "sh", empty,
                    RailyardProcess.executable.path,
                ] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: empty) == [], "\(arguments)")
        }
        // A folder that is no channel: refused (exit 2), and still nothing created.
        let missing = try Tool.run(
            "sh",
            ["-c", "cd \"$1\" && exec \"$2\" channel verify nowhere", "sh", empty, RailyardProcess.executable.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nowhere: no such folder"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty) == [])
    }
}
