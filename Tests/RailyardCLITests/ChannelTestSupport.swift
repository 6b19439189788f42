import Foundation
import Testing

/// Real conda packages for the channel tests, made by `Tests/Fixtures/condapkg.py` with the
/// formats' own tools (Python's tarfile and zipfile, the zstd command).
enum CondaPackages {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let script = fixtures.appendingPathComponent("condapkg.py").path
    static let smallCatalog = fixtures.appendingPathComponent("small-distro.yml").path

    /// The small distribution's catalog with `solver` in place of its own `solver:` section
    /// (which says fail-open, for the tests about other things).
    static func smallCatalogText(solver: String) throws -> String {
        let text = try String(contentsOfFile: smallCatalog, encoding: .utf8)
        guard let range = text.range(of: "\nsolver:\n") else { throw CocoaError(.fileReadCorruptFile) }
        return String(text[..<range.lowerBound]) + "\n" + solver
    }

    /// One package; returns its path.
    @discardableResult
    static func make(
        _ out: String, _ name: String, _ version: String, _ build: String, _ subdir: String,
        depends: [String] = [], format: String = "conda", noarch: String? = nil, hostile: String? = nil,
        fileName: String? = nil, extra: [String] = []
    ) throws -> String {
        var arguments = [script, out, name, version, build, subdir, "--format", format] + extra
        for spec in depends { arguments += ["--depends", spec] }
        if let noarch { arguments += ["--noarch", noarch] }
        if let hostile { arguments += ["--hostile", hostile] }
        if let fileName { arguments += ["--file-name", fileName] }
        let result = try Tool.run("python3", arguments)
        try #require(result.status == 0, "condapkg.py failed: \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The core's RC files of `version`, one per subdir, each under `folder/SUBDIR`: what
    /// `train rc` registers.
    static func rcFiles(
        _ folder: String, subdirs: [String], core: String = "pytorch", version: String = "2.6.0"
    ) throws -> [String] {
        try subdirs.map { try make(folder + "/" + $0, core, version, "py311_0", $0) }
    }

    /// The core's RC files for the cells the example catalog expects (`variants.cells` of
    /// `examples/pytorch/distro.yml`): python 3.11 and 3.12 everywhere, CPU and CUDA 12.4 on
    /// linux-64, each pinning its python, pytorch-mutex and pytorch-cuda as the pytorch channel's do.
    static func matrixRCFiles(_ folder: String, core: String = "pytorch", version: String = "2.6.0") throws
        -> [String]
    {
        var files: [String] = []
        for subdir in ["linux-64", "osx-arm64", "win-64"] {
            for python in ["3.11", "3.12"] {
                let minor = Int(python.split(separator: ".")[1])!
                for cuda in subdir == "linux-64" ? [nil, "12.4"] : [nil as String?] {
                    let pins =
                        ["python >=\(python),<3.\(minor + 1).0a0"]
                        + (cuda.map { ["pytorch-mutex 1.0 cuda", "pytorch-cuda >=\($0),<12.5"] } ?? [
                            "pytorch-mutex 1.0 cpu"
                        ])
                    let build = "py\(python)_" + (cuda.map { "cuda\($0)" } ?? "cpu") + "_0"
                    files.append(try make(folder + "/" + subdir, core, version, build, subdir, depends: pins))
                }
            }
        }
        return files
    }

    /// Many packages in one run: each a dictionary of condapkg.py's fields.
    static func batch(_ specs: [[String: Any]], in directory: URL) throws {
        let file = directory.appendingPathComponent("specs-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: specs).write(to: file)
        let result = try Tool.run("python3", [script, "--batch", file.path])
        try #require(result.status == 0, "condapkg.py failed: \(result.stderr)")
    }
}

/// Other programs the tests run: python3 and the like.
enum Tool {
    static func run(_ program: String, _ arguments: [String]) throws -> RailyardProcess.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RailyardProcess.Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Whether py-rattler can be imported; in CI (`CI` set) its absence is a failure, not a skip.
    static var hasRattler: Bool {
        (try? run("python3", ["-c", "import rattler"]).status == 0) ?? false
    }

    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
}

/// A scratch folder with a database (made by `railyard db init`, as a new distribution's is), a
/// channel, and the packages made for one test.
struct ChannelScratch {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "railyard-channel-\(UUID().uuidString)")
    var db: String { directory.appendingPathComponent("railyard.sqlite").path }
    var channel: String { directory.appendingPathComponent("channel").path }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let created = try RailyardProcess.run(["db", "init", "--db", db])
        try #require(created.status == 0, "railyard db init: \(created.stderr)")
    }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String]? = nil) throws -> RailyardProcess.Result {
        // Added to this process's environment, not in its place.
        try RailyardProcess.run(
            arguments + ["--db", db, "--channel", channel],
            environment: environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } })
    }

    /// Runs a command that must succeed.
    @discardableResult
    func must(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> RailyardProcess.Result
    {
        let result = try run(arguments)
        try #require(
            result.status == 0, "railyard \(arguments.joined(separator: " ")): \(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }

    func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try run(arguments + ["--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// Every file under the scratch folder, relative to it (what a refusal must leave alone).
    func files() -> Set<String> {
        var result = Set<String>()
        let root = directory.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
        while let item = walker.nextObject() as? String { result.insert(item) }
        return result
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Asks py-rattler to solve `specs` against the channel (or one of its labels) for
    /// linux-64: the name and version of each package it picks.
    func solve(_ specs: [String], label: String? = nil) throws -> [String: String] {
        let url = "file://" + channel + (label.map { "/label/\($0)" } ?? "")
        let program = """
            import asyncio, os, sys, tempfile, rattler
            async def main():
                gateway = rattler.Gateway(cache_dir=tempfile.mkdtemp())
                records = await rattler.solve(sources=[sys.argv[1]], specs=sys.argv[2:], gateway=gateway,
                    platforms=["linux-64", "noarch"], virtual_packages=[])
                for r in records: print(r.name.normalized, r.version)
            asyncio.run(main())
            sys.stdout.flush()
            os._exit(0)  # py-rattler's runtime threads have crashed the interpreter's teardown under load
            """
        var result = try Tool.run("python3", ["-c", program, url] + specs)
        if result.status > 128 || result.status == 11 {
            // Killed by a signal inside py-rattler (seen rarely under load): once more, and say so.
            print("py-rattler died with status \(result.status); solving again: \(result.stderr)")
            result = try Tool.run("python3", ["-c", program, url] + specs)
        }
        try #require(result.status == 0, "rattler could not solve \(specs): \(result.stderr)")
        var picked: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { picked[String(parts[0])] = String(parts[1]) }
        }
        return picked
    }

    /// Asks py-rattler to solve `specs` against the channel and install the result into a new
    /// prefix (downloading each file and checking its sha256 against the repodata): the names of
    /// the packages installed, from the prefix's conda-meta.
    func install(_ specs: [String]) throws -> [String] {
        let prefix = path("prefix-\(UUID().uuidString)")
        let program = """
            import asyncio, os, sys, tempfile, rattler
            async def main():
                gateway = rattler.Gateway(cache_dir=tempfile.mkdtemp())
                records = await rattler.solve(sources=[sys.argv[1]], specs=sys.argv[3:], gateway=gateway,
                    platforms=["linux-64", "noarch"], virtual_packages=[])
                await rattler.install(records, target_prefix=sys.argv[2], cache_dir=tempfile.mkdtemp(),
                    show_progress=False)
            asyncio.run(main())
            sys.stdout.flush()
            os._exit(0)
            """
        let result = try Tool.run("python3", ["-c", program, "file://" + channel, prefix] + specs)
        try #require(result.status == 0, "rattler could not install \(specs): \(result.stderr)")
        return FileSystemListing.files(prefix + "/conda-meta").filter { $0.hasSuffix(".json") }
    }

    /// main as released with torch 2.5.1 (two platforms and noarch), adopted by `channel index`.
    func seedMain() throws {
        for subdir in ["linux-64", "osx-arm64"] {
            try CondaPackages.make(channel + "/" + subdir, "pytorch", "2.5.1", "py311_0", subdir)
            try CondaPackages.make(
                channel + "/" + subdir, "torchvision", "0.20.1", "py311_0", subdir, depends: ["pytorch 2.5.1.*"])
        }
        try CondaPackages.make(
            channel + "/noarch", "kornia", "0.7.3", "pyhd_0", "noarch", depends: ["pytorch >=1.9.1,<2.6"],
            format: "tar.bz2", noarch: "python")
        try CondaPackages.make(
            channel + "/noarch", "captum", "0.7.0", "pyhd_0", "noarch", depends: ["pytorch >=1.6,<3"], noarch: "python")
        try must(["channel", "index"])
    }

    /// The new builds of the small distribution's 2.6.0 train, under `new/`.
    func makeNewBuilds(torchvisionSubdirs: [String] = ["linux-64", "osx-arm64"]) throws {
        for subdir in ["linux-64", "osx-arm64"] {
            try CondaPackages.make(path("new/\(subdir)"), "pytorch", "2.6.0", "py311_0", subdir)
        }
        for subdir in torchvisionSubdirs {
            try CondaPackages.make(
                path("new/\(subdir)"), "torchvision", "0.21.0", "py311_0", subdir, depends: ["pytorch 2.6.0.*"])
        }
        try CondaPackages.make(
            path("new/noarch"), "kornia", "0.7.4", "pyhd_0", "noarch", depends: ["pytorch >=1.9.1,<2.7"],
            noarch: "python")
    }

    /// Drives the small distribution's 2.6.0 train to `staged` with RC 1 marked final, staging
    /// the builds `makeNewBuilds` made.
    func driveToStaged(
        torchvisionSubdirs: [String] = ["linux-64", "osx-arm64"], catalog: String = CondaPackages.smallCatalog
    ) throws {
        try must(["train", "create", "2.6.0", "--catalog", catalog, "--as", "alice"])
        try must(
            [
                "train", "rc", "2.6.0", "--number", "1", path("new/linux-64/pytorch-2.6.0-py311_0.conda"),
                path("new/osx-arm64/pytorch-2.6.0-py311_0.conda"), "--as", "alice",
            ])
        try must(["train", "advance", "2.6.0", "--as", "alice"])
        try must(["train", "advance", "2.6.0", "--as", "alice"])
        try must(
            ["stage", "--train", "2.6.0", "--as", "team"]
                + torchvisionSubdirs.map { path("new/\($0)/torchvision-0.21.0-py311_0.conda") })
        try passEverything()
        try must(["train", "advance", "2.6.0", "--as", "alice"])
        try must(["stage", path("new/noarch/kornia-0.7.4-pyhd_0.conda"), "--train", "2.6.0", "--as", "team"])
        try passEverything()
        try must(["train", "advance", "2.6.0", "--as", "alice"])
        try passEverything()
        try must(["train", "final", "2.6.0", "--rc", "1", "--as", "alice"])
    }

    /// The small distribution's 2.6.0 train released, its catalog asking the solver to check
    /// `installCheck` on linux-64 besides the train's own solves (fail-closed, the default).
    func releaseSmallTrain(installCheck: String) throws {
        try seedMain()
        try makeNewBuilds()
        let text = try CondaPackages.smallCatalogText(
            solver: """

                solver:
                  install_checks:
                    - {subdir: linux-64, specs: "\(installCheck)"}

                """)
        let catalog = path("distro.yml")
        try Data(text.utf8).write(to: URL(fileURLWithPath: catalog))
        try driveToStaged(catalog: catalog)
        try must(["train", "promote", "2.6.0", "--yes", "--as", "alice"])
    }

    /// Claims and passes every piece of test work on offer (the all-together run last).
    func passEverything() throws {
        while true {
            var claimed = try must(["ci", "claim", "--train", "2.6.0", "--as", "ci", "--kind", "test"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if claimed.isEmpty {
                claimed = try must(["ci", "claim", "--train", "2.6.0", "--as", "ci", "--kind", "integration"])
                    .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if claimed.isEmpty { return }
            try must(["ci", "report", claimed, "--result", "passed", "--as", "ci"])
        }
    }
}
