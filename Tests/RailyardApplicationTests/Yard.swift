import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore
import RailyardYAML
import Testing

/// A distribution with a real database, a real channel and real package files, driven through
/// the application layer (the use cases the CLI and the server both call): three trains of the
/// small distribution at once, a patch (2.5.2), a minor (2.6.0) and the next minor (2.7.0).
final class Yard {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-yard-\(UUID().uuidString)")
    let store: Store
    let service: LocalTrainService
    var channel: String { directory.appendingPathComponent("channel").path }

    static let catalogText = """
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
          torchvision:
            version: 0.20.1
            companion: true
            abi: true
            depends: ["pytorch 2.5.1.*"]
            maintainers: [team]
          kornia: {version: 0.7.3, depends: ["pytorch >=1.9.1,<2.6"], maintainers: [team]}
          captum: {version: 0.7.0, depends: ["pytorch >=1.6,<3"], maintainers: [team]}
        solver:
          on_unavailable: fail-open
        """

    /// What each train ships: the core's version, torchvision's matched version, and kornia's
    /// build when the train must bump it (its spec on main excludes 2.6 and up).
    struct Release: Sendable {
        var version: String
        var torchvision: String
        var kornia: (version: String, below: String)?
    }

    static let releases: [Release] = [
        Release(version: "2.5.2", torchvision: "0.20.2", kornia: nil),
        Release(version: "2.6.0", torchvision: "0.21.0", kornia: ("0.7.4", "2.7")),
        Release(version: "2.7.0", torchvision: "0.22.0", kornia: ("0.7.6", "2.8")),
    ]

    static let platforms = ["linux-64", "osx-arm64"]
    static let alice = Actor.person("alice")
    static let team = Actor.person("team")
    static let runner = Actor.runner("ci-pool")

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store(path: directory.appendingPathComponent("railyard.sqlite").path, creating: true)
        let catalog = try CatalogFile.parse(Self.catalogText, path: "distro.yml")
        service = LocalTrainService(
            store: store, channel: directory.appendingPathComponent("channel").path, catalog: catalog)
        // main as released with torch 2.5.1, adopted by an index.
        let time = Date(timeIntervalSince1970: 1_760_000_000)
        for subdir in Self.platforms {
            try write("pytorch", "2.5.1", subdir, [], into: channel + "/" + subdir, time)
            try write("torchvision", "0.20.1", subdir, ["pytorch 2.5.1.*"], into: channel + "/" + subdir, time)
        }
        try write("kornia", "0.7.3", "noarch", ["pytorch >=1.9.1,<2.6"], into: channel + "/noarch", time)
        try write("captum", "0.7.0", "noarch", ["pytorch >=1.6,<3"], into: channel + "/noarch", time)
        _ = try service.index(by: Self.alice, guards: Guards())
        // Each train's files.
        for release in Self.releases {
            for subdir in Self.platforms {
                try write("pytorch", release.version, subdir, [], into: files(release.version, subdir), time)
                try write(
                    "torchvision", release.torchvision, subdir, ["pytorch \(release.version).*"],
                    into: files(release.version, subdir), time)
            }
            if let kornia = release.kornia {
                try write(
                    "kornia", kornia.version, "noarch", ["pytorch >=1.9.1,<\(kornia.below)"],
                    into: files(release.version, "noarch"), time)
            }
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func files(_ version: String, _ subdir: String) -> String {
        directory.appendingPathComponent("files/\(version)/\(subdir)").path
    }

    private func write(
        _ name: String, _ version: String, _ subdir: String, _ depends: [String], into folder: String, _ time: Date
    ) throws {
        let build = subdir == "noarch" ? "py_0" : "py311_0"
        try PackageWriter.write(
            .init(name: name, version: version, build: build, subdir: subdir, depends: depends), into: folder,
            timestamp: time)
    }

    func path(_ name: String, _ version: String, _ subdir: String, _ release: String) -> String {
        files(release, subdir) + "/\(name)-\(version)-\(subdir == "noarch" ? "py_0" : "py311_0").tar.bz2"
    }

    // MARK: - What must hold after every step

    /// Every problem of the database, the channel and the staging labels, and whether main went
    /// backwards since `earlier`: nothing when all is well.
    func problems(sinceMain earlier: inout MainState) throws -> [String] {
        var problems = try store.verify().map { "db verify: \($0)" }
        let verified = try service.verify()
        problems += verified.problems.map { "channel verify: \($0)" }
        // No train sees another's staged files as its own: each label lists exactly what its
        // train registered.
        let local = try LocalChannel(path: channel)
        for summary in try store.trains() {
            let train = try store.train(summary.version, exact: true)
            let label = "train-\(train.name)"
            let listed = Set(
                try local.snapshot(label: label).subdirs.values.flatMap { $0.records.values.map { Artifact($0) } })
            let registered = Set(
                (train.rcArtifacts ?? []) + train.members.flatMap { $0.build?.artifacts ?? [] })
            for artifact in listed.subtracting(registered) {
                problems.append("\(label) lists \(artifact), which train \(train.name) did not register")
            }
            for artifact in registered.subtracting(listed) {
                problems.append("train \(train.name) registered \(artifact), which \(label) does not list")
            }
        }
        // main never loses a file, and its newest torch never goes down.
        let main = try local.snapshot(label: "main").subdirs
        let files = Set(main.flatMap { subdir, repodata in repodata.records.keys.map { "\(subdir)/\($0)" } })
        for lost in earlier.files.subtracting(files) { problems.append("main lost \(lost)") }
        let newest = main.values.flatMap(\.records.values).filter { $0.name == "pytorch" }
            .compactMap(\.parsedVersion).max()
        if let before = earlier.newest, let newest, newest < before {
            problems.append("main's newest pytorch went from \(before) to \(newest)")
        }
        earlier = MainState(files: files, newest: newest, generation: verified.mainGeneration)
        return problems
    }

    struct MainState {
        var files: Set<String> = []
        var newest: Version? = nil
        var generation: Int = 0
    }

    /// What py-rattler installs for `specs` from main on linux-64: name → version.
    func solve(_ specs: [String]) throws -> [String: String] {
        let program = """
            import asyncio, os, sys, tempfile, rattler
            async def main():
                gateway = rattler.Gateway(cache_dir=tempfile.mkdtemp())
                records = await rattler.solve(sources=[sys.argv[1]], specs=sys.argv[2:], gateway=gateway,
                    platforms=["linux-64", "noarch"], virtual_packages=[])
                for r in records: print(r.name.normalized, r.version)
            asyncio.run(main())
            sys.stdout.flush()
            os._exit(0)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program, "file://" + channel] + specs
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "py-rattler could not solve \(specs)")
        var picked: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { picked[String(parts[0])] = String(parts[1]) }
        }
        return picked
    }

    /// Whether py-rattler can be imported.
    static let hasRattler: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import rattler"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
}
