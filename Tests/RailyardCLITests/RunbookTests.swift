import Foundation
import Testing

/// Every runbook's marked blocks, executed as written by `script/runbook` with the real
/// `railyard`, against a scratch folder with a catalog and real package files.
@Suite("Runbooks that cannot rot: every marked block runs as written")
struct RunbookTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let runbooks: [String] = {
        let folder = root.appendingPathComponent("Runbooks").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".md") }
            .sorted()
    }()

    /// The catalog and the build files the runbooks name as `$CATALOG` and `$BUILDS`.
    static func fixtures(_ scratch: ChannelScratch) throws -> [String: String] {
        let builds = scratch.path("builds")
        try CondaPackages.make(builds, "pytorch", "2.6.0", "rc1_0", "linux-64")
        try CondaPackages.make(builds, "pytorch", "2.6.0", "rc2_0", "linux-64")
        for build in ["rc1_0", "rc2_0"] {
            try CondaPackages.make(builds, "torchvision", "0.21.0", build, "linux-64", depends: ["pytorch 2.6.0.*"])
        }
        try CondaPackages.make(
            builds, "kornia", "0.7.4", "pyhd_0", "noarch", depends: ["pytorch >=1.9.1,<2.7"], noarch: "python")
        // The trains after it: the 2.6.1 patch, the 2.7.0 minor, the 2.8.0 that is superseded.
        try CondaPackages.make(builds, "pytorch", "2.6.1", "0", "linux-64")
        try CondaPackages.make(builds, "torchvision", "0.21.1", "0", "linux-64", depends: ["pytorch 2.6.1.*"])
        try CondaPackages.make(builds, "pytorch", "2.7.0", "rc1_0", "linux-64")
        try CondaPackages.make(builds, "torchvision", "0.22.0", "rc1_0", "linux-64", depends: ["pytorch 2.7.0.*"])
        try CondaPackages.make(
            builds, "kornia", "0.7.5", "pyhd_0", "noarch", depends: ["pytorch >=1.9.1,<2.8"], noarch: "python")
        try CondaPackages.make(builds, "pytorch", "2.8.0", "rc1_0", "linux-64")
        var environment = ProcessInfo.processInfo.environment
        environment["CATALOG"] = CondaPackages.fixtures.appendingPathComponent("one-platform-distro.yml").path
        environment["BUILDS"] = builds
        environment["PORT"] = String(try ServerCLITests.Server.freePort())
        environment["RAILYARD_BIN"] = RailyardProcess.executable.path
        environment["ANACONDA"] = CondaPackages.fixtures.appendingPathComponent("fake-anaconda.py").path
        environment["FAKE_ANACONDA_STATE"] = scratch.path("anaconda-state.json")
        environment["FAKE_ANACONDA_LOG"] = scratch.path("anaconda-log.jsonl")
        for name in ["RAILYARD_DB", "RAILYARD_CHANNEL", "RAILYARD_SERVER", "RAILYARD_TOKEN"] {
            environment.removeValue(forKey: name)
        }
        return environment
    }

    static func run(_ runbook: String, in scratch: ChannelScratch, environment: [String: String]) throws
        -> RailyardProcess.Result
    {
        let work = scratch.path("work-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("script/runbook").path, runbook, "--dir", work]
        process.environment = environment
        let out = scratch.path("runbook-\(UUID().uuidString).out")
        let err = out + ".err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        return RailyardProcess.Result(
            status: process.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8),
            stderr: try String(contentsOfFile: err, encoding: .utf8))
    }

    @Test("each runbook runs as written", arguments: RunbookTests.runbooks)
    func runbook(_ name: String) throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let environment = try Self.fixtures(scratch)
        let result = try Self.run(
            Self.root.appendingPathComponent("Runbooks/\(name)").path, in: scratch, environment: environment)
        #expect(result.status == 0, "\(name):\n\(result.stderr)\n\(result.stdout.suffix(3000))")
        #expect(result.stdout.contains("\(name): ") && result.stdout.contains("blocks ran as written"))
    }

    @Test("a broken command, or output the runbook denies, fails the run and names the line")
    func broken() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let environment = try Self.fixtures(scratch)
        let original = try String(
            contentsOf: Self.root.appendingPathComponent("Runbooks/cut-a-release.md"), encoding: .utf8)
        // A typo in a command.
        let typo = scratch.path("typo.md")
        try original.replacingOccurrences(
            of: "railyard train advance 2.6.0 --as alice\n#> entered downstream",
            with: "railyard train advnce 2.6.0 --as alice\n#> entered downstream"
        )
        .write(toFile: typo, atomically: true, encoding: .utf8)
        let failed = try Self.run(typo, in: scratch, environment: environment)
        #expect(failed.status == 1)
        // The line the run names is the first line of the block that holds the typo.
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false)
        let typoLine = try #require(
            lines.indices.dropLast().first {
                lines[$0] == "railyard train advance 2.6.0 --as alice" && lines[$0 + 1] == "#> entered downstream"
            })
        let fence = try #require(lines[..<typoLine].lastIndex { $0 == "```sh runbook" })
        #expect(failed.stderr.contains("typo.md:\(fence + 2): a command of this block failed"), "\(failed.stderr)")
        // A promise about the output that the command does not keep.
        let promise = scratch.path("promise.md")
        try original.replacingOccurrences(of: "#> entered companions", with: "#> entered staged")
            .write(toFile: promise, atomically: true, encoding: .utf8)
        let contradicted = try Self.run(promise, in: scratch, environment: environment)
        #expect(contradicted.status == 1)
        #expect(contradicted.stderr.contains("the runbook says the output shows 'entered staged'; it does not"))
    }

    @Test("the README links every runbook")
    func linked() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(Self.runbooks.count == 6)
        for name in Self.runbooks { #expect(readme.contains("(Runbooks/\(name))"), "\(name)") }
    }
}
