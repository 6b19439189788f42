import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("promotion killed at random instants: old or new main, never a mix; the next command finishes")
struct PromotionCrashTests {
    static let downstream = 150

    /// A staged train of a few hundred files over a main of as many (or, without
    /// `stagingDownstream`, the train as it enters downstream, its new builds not yet staged).
    static func prepare(_ scratch: ChannelScratch, stagingDownstream: Bool = true) throws {
        var catalog = """
            distribution: pytorch
            channel: pytorch
            core: pytorch
            subdirs: [linux-64, osx-arm64, noarch]
            release_managers: [alice]
            contacts:
              alice: {email: alice@example.org}
              team: {email: team@example.org}
            packages:
              pytorch: {version: 2.5.1, maintainers: [alice]}
              torchvision: {version: 0.20.1, companion: true, abi: true, depends: ["pytorch 2.5.1.*"], maintainers: [team]}

            """
        var specs: [[String: Any]] = []
        for subdir in ["linux-64", "osx-arm64"] {
            specs.append([
                "out": scratch.channel + "/" + subdir, "name": "pytorch", "version": "2.5.1", "build": "py311_0",
                "subdir": subdir,
            ])
            specs.append([
                "out": scratch.path("new/" + subdir), "name": "pytorch", "version": "2.6.0", "build": "py311_0",
                "subdir": subdir,
            ])
            specs.append([
                "out": scratch.channel + "/" + subdir, "name": "torchvision", "version": "0.20.1", "build": "py311_0",
                "subdir": subdir, "depends": ["pytorch 2.5.1.*"],
            ])
            specs.append([
                "out": scratch.path("new/" + subdir), "name": "torchvision", "version": "0.21.0", "build": "py311_0",
                "subdir": subdir, "depends": ["pytorch 2.6.0.*"],
            ])
        }
        for index in 0..<downstream {
            let name = "pkg\(index)"
            catalog += "  \(name): {version: 1.0.0, depends: [\"pytorch >=2,<2.6\"], maintainers: [team]}\n"
            specs.append([
                "out": scratch.channel + "/noarch", "name": name, "version": "1.0.0", "build": "pyhd_0",
                "subdir": "noarch",
                "noarch": "python", "depends": ["pytorch >=2,<2.6"], "format": index % 2 == 0 ? "conda" : "tar.bz2",
            ])
            specs.append([
                "out": scratch.path("new/noarch"), "name": name, "version": "1.1.0", "build": "pyhd_0",
                "subdir": "noarch",
                "noarch": "python", "depends": ["pytorch >=2,<2.7"], "format": index % 2 == 0 ? "conda" : "tar.bz2",
            ])
        }
        try Data(catalog.utf8).write(to: URL(fileURLWithPath: scratch.path("distro.yml")))
        try CondaPackages.batch(specs, in: scratch.directory)
        try scratch.must(["channel", "index"])
        try scratch.must(["train", "create", "2.6.0", "--catalog", scratch.path("distro.yml"), "--as", "alice"])
        try scratch.must(
            [
                "train", "rc", "2.6.0", "--number", "1", scratch.path("new/linux-64/pytorch-2.6.0-py311_0.conda"),
                scratch.path("new/osx-arm64/pytorch-2.6.0-py311_0.conda"), "--as", "alice",
            ])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must([
            "stage", scratch.path("new/linux-64/torchvision-0.21.0-py311_0.conda"),
            scratch.path("new/osx-arm64/torchvision-0.21.0-py311_0.conda"), "--train", "2.6.0", "--as", "team",
        ])
        try scratch.passEverything()
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        guard stagingDownstream else { return }
        let newNoarch = FileSystemListing.files(scratch.path("new/noarch")).map { scratch.path("new/noarch/" + $0) }
        try scratch.must(["stage", "--train", "2.6.0", "--as", "team"] + newNoarch)
        try scratch.passEverything()
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.passEverything()
        try scratch.must(["train", "final", "2.6.0", "--rc", "1", "--as", "alice"])
    }

    /// What a reader of the channel sees right now, subdir after subdir through main's links:
    /// for each subdir whether it is the new main, and any listed file that is missing (or a
    /// `repodata.json.zst` that is not the very `repodata.json` it is read beside).
    static func read(_ channel: String) -> (new: [String: Bool], missing: [String]) {
        var new: [String: Bool] = [:]
        var missing: [String] = []
        let marker = [
            "linux-64": "pytorch-2.6.0-py311_0.conda", "osx-arm64": "pytorch-2.6.0-py311_0.conda",
            "noarch": "pkg0-1.1.0-pyhd_0.conda",
        ]
        for (subdir, file) in marker {
            let path = channel + "/" + subdir + "/repodata.json"
            guard let data = FileManager.default.contents(atPath: path),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                missing.append(path)
                continue
            }
            var listed: [String] = []
            for key in ["packages", "packages.conda"] {
                listed += (object[key] as? [String: Any])?.keys.map { $0 } ?? []
            }
            new[subdir] = listed.contains(file)
            for name in listed where !FileManager.default.fileExists(atPath: channel + "/" + subdir + "/" + name) {
                missing.append(subdir + "/" + name)
            }
            // The compressed repodata, read through its own link, is the same generation.
            let unpacked = try? Tool.run("sh", ["-c", "zstd -d -c -q < \"$0\"", path + ".zst"])
            if unpacked?.status != 0 || unpacked?.stdout != String(decoding: data, as: UTF8.self) {
                missing.append(path + ".zst: not the same generation as repodata.json")
            }
        }
        return (new, missing)
    }

    @Test("100 promotions killed with SIGKILL at random instants")
    func killedPromotions() throws {
        let template = try ChannelScratch()
        defer { template.remove() }
        try Self.prepare(template)
        let before = Self.read(template.channel)
        #expect(before.missing.isEmpty)
        #expect(before.new.values.allSatisfy { !$0 })

        // How long one whole promotion takes here, to spread the kills over it.
        let timing = try ChannelScratch.copy(of: template)
        defer { timing.remove() }
        let started = Date()
        try timing.must(["train", "promote", "2.6.0", "--yes", "--as", "alice"])
        let duration = Date().timeIntervalSince(started)
        #expect(Self.read(timing.channel).new.values.allSatisfy { $0 })

        var generator = SystemRandomNumberGenerator()
        var seen = (old: 0, new: 0)
        for run in 0..<100 {
            let scratch = try ChannelScratch.copy(of: template)
            defer { scratch.remove() }
            // Half the kills anywhere in the run, half near its end, where main is switched.
            let delay =
                run % 2 == 0
                ? Double.random(in: 0...duration, using: &generator)
                : Double.random(in: (duration * 0.8)...(duration * 1.05), using: &generator)
            try scratch.kill(["train", "promote", "2.6.0", "--yes", "--as", "alice"], after: delay)

            let seenNow = Self.read(scratch.channel)
            #expect(seenNow.missing.isEmpty, "run \(run): listed files missing: \(seenNow.missing.prefix(3))")
            let states = Set(seenNow.new.values)
            #expect(states.count == 1, "run \(run) (killed after \(delay) s): a mix of old and new: \(seenNow.new)")
            if states == [true] { seen.new += 1 } else { seen.old += 1 }

            // The next command finishes or rolls back; then the promotion completes.
            let verify = try scratch.run(["channel", "verify"])
            #expect(verify.status == 0, "run \(run): \(verify.stdout)\(verify.stderr)")
            let stage = try scratch.json(["train", "status", "2.6.0"])["stage"] as? String
            if stage != "released" {
                #expect(
                    !Self.read(scratch.channel).new.values.contains(true), "run \(run): new main, train not released")
                try scratch.must(["train", "promote", "2.6.0", "--yes", "--as", "alice"])
            }
            #expect(Self.read(scratch.channel).new.values.allSatisfy { $0 })
            #expect(try scratch.json(["train", "status", "2.6.0"])["stage"] as? String == "released")
        }
        print(
            "killed promotions: \(seen.old) left the old main, \(seen.new) the new one (promotion took \(duration) s)")
    }
}

/// `channel revoke --yes` killed at random instants: main keeps every file or loses every one,
/// no listed file is missing, and a revocation is in the channel's log exactly when main changed.
@Suite("revocations killed at random instants: all files or none, logged exactly when done")
struct RevocationCrashTests {
    /// The old downstream builds the release replaced: what is revoked.
    static let revoked = (0..<PromotionCrashTests.downstream).filter { $0 % 2 == 1 }.map {
        "noarch/pkg\($0)-1.0.0-pyhd_0.tar.bz2"
    }

    /// Main listing the revoked files: none (false), all (true), or a mix (nil).
    static func state(_ channel: String, label: String = "") -> Bool? {
        let path = channel + "/" + label + "noarch/repodata.json"
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return false }
        let listed = Set((object["packages"] as? [String: Any] ?? [:]).keys)
        let count = revoked.filter { listed.contains(String($0.dropFirst("noarch/".count))) }.count
        return count == 0 ? false : count == revoked.count ? true : nil
    }

    @Test("20 revocations killed with SIGKILL at random instants")
    func killedRevocations() throws {
        let template = try ChannelScratch()
        defer { template.remove() }
        try PromotionCrashTests.prepare(template)
        try template.must(["train", "promote", "2.6.0", "--yes", "--as", "alice"])
        #expect(Self.state(template.channel) == true)
        // Without a solver (fail-closed) the revocation needs --force: no solve slows the runs.
        let arguments =
            ["channel", "revoke"] + Self.revoked + ["--reason", "bad metadata", "--yes", "--force", "--as", "alice"]
        let environment = ["RAILYARD_PYTHON": "no-such-python"]
        let timing = try ChannelScratch.copy(of: template)
        defer { timing.remove() }
        let started = Date()
        let first = try timing.run(arguments, environment: environment)
        try #require(first.status == 0, "\(first.stderr)")
        let duration = Date().timeIntervalSince(started)
        #expect(Self.state(timing.channel) == false)
        #expect(Self.state(timing.channel, label: "label/broken/") == true)

        var generator = SystemRandomNumberGenerator()
        var seen = (kept: 0, revoked: 0)
        for run in 0..<20 {
            let scratch = try ChannelScratch.copy(of: template)
            defer { scratch.remove() }
            try scratch.kill(
                arguments, after: Double.random(in: 0...(duration * 0.9), using: &generator), environment: environment)

            let now = Self.state(scratch.channel)
            #expect(now != nil, "run \(run): main lists some of the revoked files and not others")
            #expect(PromotionCrashTests.read(scratch.channel).missing.isEmpty, "run \(run): a listed file is missing")
            // The next command finishes or rolls back: the log holds the revocation exactly when main lost the files.
            let verify = try scratch.run(["channel", "verify"])
            #expect(verify.status == 0, "run \(run): \(verify.stdout)\(verify.stderr)")
            let entries = try #require(try scratch.json(["channel", "log"])["entries"] as? [[String: Any]])
            if Self.state(scratch.channel) == false {
                seen.revoked += 1
                #expect(entries.count == 1, "run \(run): main lost the files, but the log has \(entries.count) entries")
                #expect(Self.state(scratch.channel, label: "label/broken/") == true, "run \(run): not all on broken")
            } else {
                seen.kept += 1
                #expect(entries.isEmpty, "run \(run): logged, but main kept the files")
                let again = try scratch.run(arguments, environment: environment)
                #expect(again.status == 0, "run \(run): \(again.stderr)")
                #expect(Self.state(scratch.channel) == false)
            }
            for file in Self.revoked {
                #expect(
                    FileManager.default.fileExists(atPath: scratch.channel + "/label/broken/" + file),
                    "run \(run): \(file) was deleted")
            }
        }
        print("killed revocations: \(seen.kept) kept main as it was, \(seen.revoked) finished (one took \(duration) s)")
    }
}

enum FileSystemListing {
    static func files(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

extension ChannelScratch {
    /// Runs railyard on this scratch's database and channel, and kills it with SIGKILL after
    /// `delay` seconds (or lets it finish first).
    func kill(_ arguments: [String], after delay: Double, environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = RailyardProcess.executable
        process.arguments = arguments + ["--db", db, "--channel", channel]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(useconds_t(delay * 1_000_000))
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A copy of another scratch folder (database and channel, links kept as links).
    static func copy(of other: ChannelScratch) throws -> ChannelScratch {
        let scratch = try ChannelScratch()
        try FileManager.default.removeItem(at: scratch.directory)
        let result = try Tool.run("cp", ["-a", other.directory.path, scratch.directory.path])
        try #require(result.status == 0, "cp: \(result.stderr)")
        return scratch
    }
}
