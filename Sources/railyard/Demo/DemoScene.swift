import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// The demo's world: a channel whose `main` holds the catalog as it stands, and a train for the
/// next torch minor release driven part-way, its events dated over the last nine days.
struct DemoScene {
    static let marker = ".railyard-demo"

    var root: String
    var version: String
    var token: String
    var declined: String?
    var failing: String?
    var overdue: String?
    /// Files the visitor can stage to take the train on (one per platform), by member.
    var builds: [String: [String]]

    var database: String { root + "/railyard.sqlite" }
    var channel: String { root + "/channel" }

    /// Empties the demo folder of an earlier run; refuses a folder that is not the demo's.
    static func prepare(_ root: String) throws {
        let files = FileManager.default
        if files.fileExists(atPath: root) {
            let entries = (try? files.contentsOfDirectory(atPath: root)) ?? []
            if !entries.isEmpty && !entries.contains(marker) {
                throw DemoError("\(root) exists and is not a demo folder (no \(marker) in it); name another with --dir")
            }
            for entry in entries { try files.removeItem(atPath: root + "/" + entry) }
        }
        try files.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("made by railyard demo; removed and made again by the next run\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/" + marker))
    }

    static func build(root: String, catalogPath: String, catalog: Catalog, progress: DemoProgress) throws -> DemoScene {
        var catalog = catalog
        let now = Date()
        let start = now.addingTimeInterval(-9 * 86_400)
        func at(hours: Double) -> Date { start.addingTimeInterval(hours * 3_600) }
        let store = try Store(path: root + "/railyard.sqlite", creating: true)
        let trains = TrainChannel(store: store, channel: try LocalChannel(path: root + "/channel"))
        let platforms = catalog.subdirs.filter { $0 != "noarch" }

        // main: every package of the catalog at its current version, for every platform.
        progress.say("writing \(catalog.packages.count * platforms.count) packages into the channel's main")
        for package in catalog.packages {
            for subdir in platforms {
                // The mutex has one build per flavour, as the pytorch channel's: the CPU one carries
                // a track feature, so that a solver takes CUDA torch where the machine has CUDA.
                let builds = package.name == "pytorch-mutex" ? [("cpu", 0), ("cuda", 100)] : [("demo_0", 0)]
                for (build, number) in builds {
                    try PackageWriter.write(
                        .init(
                            name: package.name, version: package.version.description, build: build,
                            buildNumber: number, subdir: subdir, depends: package.depends.map(\.spec.description),
                            trackFeatures: build == "cpu" ? "pytorch-mutex" : nil),
                        into: root + "/channel/" + subdir, timestamp: start)
                }
            }
        }
        try FileManager.default.createDirectory(atPath: root + "/channel/noarch", withIntermediateDirectories: true)
        _ = try trains.channel.index(committed: { _ in true })

        // What users' other channels would give (python, numpy, packaging…), for the solver
        // check: the demo's train solves its installs with it, failing closed as the default.
        let pythons = ["3.11", "3.12"]
        let externals = root + "/externals"
        try Self.writeExternals(
            for: catalog.packages.flatMap { $0.depends.map(\.spec.description) }
                + pythons.map { "python \($0).*" },
            besides: Set(catalog.packages.map(\.name)), subdirs: platforms, into: externals)
        let rules = catalog.solving ?? SolvingRules()
        catalog.solving = SolvingRules(
            onUnavailable: rules.onUnavailable, solveWith: rules.solveWith + [externals],
            installChecks: rules.installChecks)

        // The train for the next minor release.
        let core = catalog.corePackage
        let version = Self.nextMinor(core.version.description)
        let plan = try Planner.plan(catalog, coreVersion: Version(version))
        let alice = Actor.person(catalog.releaseManagers.first ?? "alice")
        let runner = Actor.runner("ci-demo")
        progress.say("creating the train for \(core.name) \(version) and driving it part-way")
        try store.create(
            Train.create(plan: plan, catalog: catalog, by: alice, at: at(hours: 0)), by: alice, at: at(hours: 0))
        func run(_ command: TrainCommand, by actor: Actor, hours: Double) throws {
            try store.execute(command, on: version, by: actor, at: at(hours: hours))
        }
        func files(_ name: String, _ version: String, build: String, depends: [String]) throws -> [String] {
            try platforms.map { subdir in
                try PackageWriter.write(
                    .init(name: name, version: version, build: build, subdir: subdir, depends: depends),
                    into: root + "/packages/" + subdir, timestamp: now)
            }
        }
        // The matrix: python 3.11 and 3.12 everywhere, CPU and CUDA 12.4 on linux-64.
        let cells: [(subdir: String, python: String, cuda: String?)] = platforms.flatMap { subdir in
            pythons.flatMap { python in
                (subdir == "linux-64" ? [nil, "12.4"] : [nil]).map { (subdir, python, $0) }
            }
        }
        /// A build per cell, its depends pinning the cell as the pytorch channel's do.
        func cellFiles(_ name: String, _ version: String, core: Bool, depends: [String]) throws -> [String] {
            try cells.map { cell in
                let next = cell.python.split(separator: ".").map { Int($0)! }
                let pins =
                    ["python >=\(cell.python),<\(next[0]).\(next[1] + 1).0a0"]
                    + (cell.cuda.map { cuda in
                        ["pytorch-mutex 1.0 cuda", core ? "pytorch-cuda >=\(cuda),<12.5" : "pytorch-cuda \(cuda).*"]
                    } ?? ["pytorch-mutex 1.0 cpu"])
                let flavour = cell.cuda.map { core ? "cuda\($0)" : "cu" + $0.replacingOccurrences(of: ".", with: "") }
                let build =
                    core
                    ? "py\(cell.python)_\(flavour ?? "cpu")_0"
                    : "py\(cell.python.replacingOccurrences(of: ".", with: ""))_\(flavour ?? "cpu")"
                return try PackageWriter.write(
                    .init(name: name, version: version, build: build, subdir: cell.subdir, depends: depends + pins),
                    into: root + "/packages/" + cell.subdir, timestamp: now)
            }
        }
        func maintainer(_ name: String) throws -> Actor {
            .person(try store.train(version).member(name)?.maintainers.first ?? alice.description)
        }

        _ = try trains.registerRC(
            number: 1, files: try cellFiles(core.name, version, core: true, depends: []), train: version, by: alice,
            at: at(hours: 0.5))
        try run(.advance, by: alice, hours: 1)
        try run(.advance, by: alice, hours: 2)

        // Companions: the retired one excluded, the others built against RC 1 and passed.
        var train = try store.train(version)
        for member in train.members where member.reason == .companion {
            if member.name == "torchtext" {
                try run(
                    .exclude(
                        member: member.name, reason: "development stopped at 0.18; not released for torch \(version)",
                        cascade: false),
                    by: alice, hours: 3)
                continue
            }
            let target = member.targetVersion?.description ?? member.currentVersion.description
            try run(.acknowledge(member: member.name, eta: nil), by: try maintainer(member.name), hours: 3)
            _ = try trains.stage(
                files: try cellFiles(member.name, target, core: false, depends: ["\(core.name) \(version).*"]),
                train: version, by: try maintainer(member.name), at: at(hours: 5))
            try run(.startTest(member: member.name), by: runner, hours: 6)
            try run(.reportTest(member: member.name, rc: 1, passed: true, log: nil), by: runner, hours: 7)
        }
        try run(.advance, by: alice, hours: 24)

        // Downstream: one request declined, one left unanswered past its deadline, one member
        // failing its tests; every other request answered with a staged build; tests pass where
        // the parents let them.
        train = try store.train(version)
        let downstream = train.members.filter { $0.reason != .companion }
        let declined = Self.pick(["fastai"], in: downstream.filter { $0.state == .requested }.map(\.name))
        let overdue = Self.pick(
            ["pytorch3d"], in: downstream.filter { $0.state == .requested && $0.name != declined }.map(\.name),
            last: true)
        let failing = Self.pick(["captum"], in: downstream.filter { $0.reason == .retest }.map(\.name))
        var builds: [String: [String]] = [:]
        for (index, member) in downstream.enumerated() where member.state == .requested {
            let hours = 30 + Double(index)
            if member.name == declined {
                try run(
                    .decline(
                        member: member.name, reason: "no maintainer time before January; please go ahead without us"),
                    by: try maintainer(member.name), hours: hours)
                continue
            }
            let next =
                member.reason == .bump
                ? Self.bumped(member.currentVersion.description) : member.currentVersion.description
            let depends = Self.depends(member.depends, train: train, core: core.name, version: version)
            if member.name == overdue {
                // The build its maintainers would make, for the visitor to stage.
                builds[member.name] = try platforms.map { subdir in
                    try PackageWriter.write(
                        .init(name: member.name, version: next, build: "demo_1", subdir: subdir, depends: depends),
                        into: root + "/builds/" + subdir, timestamp: now)
                }
                continue
            }
            try run(.acknowledge(member: member.name, eta: nil), by: try maintainer(member.name), hours: hours)
            _ = try trains.stage(
                files: try files(member.name, next, build: "demo_1", depends: depends), train: version,
                by: try maintainer(member.name), at: at(hours: hours + 20))
        }
        // Tests, wave by wave, as CI would run them; the failing member fails.
        for (index, name) in downstream.map(\.name).enumerated() {
            let hours = 80 + Double(index)
            guard (try? store.execute(.startTest(member: name), on: version, by: runner, at: at(hours: hours))) != nil
            else { continue }
            let fails = name == failing
            try run(
                .reportTest(
                    member: name, rc: 1, passed: !fails,
                    log: fails ? "https://ci.example.org/\(name)/1742#test_attribution_cuda" : nil),
                by: runner, hours: hours + 0.5)
        }
        // The policy's look at the deadlines, today: the unanswered request is now overdue.
        try store.execute(.sweepDeadlines, on: version, by: .policy, at: now)

        let token = try store.createToken(name: alice.description, role: .releaseManager, at: now).secret
        FileManager.default.createFile(
            atPath: root + "/\(alice.description).token", contents: Data((token + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        return DemoScene(
            root: root, version: version, token: token, declined: declined, failing: failing, overdue: overdue,
            builds: builds)
    }

    /// What to look at and what to try, for a person at a terminal.
    func instructions(url: String) -> String {
        let relative = FileManager.default.currentDirectoryPath
        let shown = root.hasPrefix(relative + "/") ? "./" + root.dropFirst(relative.count + 1) : root
        var lines = [
            "",
            "Railyard demo: torch \(version) is in downstream, held by the members below.",
            "",
            "  Status page  \(url)/trains/\(version)   (its test matrix: each member in each cell)",
            "  API          \(url)/api/v1/trains/\(version)",
            "  Channel      \(url)/channel/   (conda install -c \(url)/channel/ pytorch)",
            "",
            "What holds it:",
        ]
        if let failing { lines.append("  \(failing): its test failed against RC 1 (the log link is on its page)") }
        if let declined { lines.append("  \(declined): its maintainers declined the bump") }
        if let overdue { lines.append("  \(overdue): its request is unanswered past the deadline") }
        lines += [
            "",
            "Take it to the end, from another terminal in this folder:",
            "  export RAILYARD_SERVER=\(url) RAILYARD_TOKEN=$(cat \(shown)/alice.token)",
        ]
        if let overdue, let file = builds[overdue]?.first {
            let name = URL(fileURLWithPath: file).lastPathComponent
            lines.append("  railyard bump ack \(overdue) --train \(version)")
            lines.append("  railyard stage \(shown)/builds/*/\(name) --train \(version)")
        }
        if let failing {
            lines.append("  railyard train waive \(version) \(failing) --reason \"flaky CUDA test, tracked upstream\"")
        }
        if let declined {
            lines.append("  railyard train exclude \(version) \(declined) --reason \"declined\" --cascade")
        }
        lines += [
            "  railyard train matrix \(version)                 # each torch build of the RC against its companions' builds",
            "  railyard ci claim --train \(version) --json     # CI's part: then railyard ci report ID --result passed",
            "  railyard train advance \(version)                # once the gate holds: staged",
            "  railyard train promote \(version)                # the dry run; --yes moves the train to main",
            "",
            "Ctrl-C stops the server; `railyard demo` again starts afresh.",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    // MARK: - Externals

    /// Writes a channel of repodata alone (no package files) into `folder`: for each spec on a
    /// package not in `names`, a stub record at a version the spec admits (`numpy >=1.24,<2` →
    /// numpy 1.24), in every subdir of `subdirs`, with an empty `noarch`. It stands for the
    /// channels a distribution's users have besides it (conda-forge), which the demo cannot reach.
    static func writeExternals(
        for specs: [String], besides names: Set<String>, subdirs: [String], into folder: String
    ) throws {
        var versions: [String: Set<String>] = [:]
        for text in specs {
            guard let spec = try? MatchSpec(text), let name = spec.exactName, !names.contains(name) else { continue }
            versions[name, default: []].insert(Self.admitted(by: spec))
        }
        for subdir in subdirs + ["noarch"] {
            var records: [String: PackageRecord] = [:]
            if subdir != "noarch" {
                for (name, found) in versions {
                    for version in found {
                        let file = "\(name)-\(version)-0.tar.bz2"
                        records[file] = PackageRecord(
                            fileName: file, name: name, version: version, build: "0", buildNumber: 0, depends: [],
                            constrains: [], subdir: subdir, noarch: nil, license: nil, timestamp: nil, size: 0,
                            md5: String(repeating: "0", count: 32), sha256: String(repeating: "0", count: 64))
                    }
                }
            }
            try FileManager.default.createDirectory(atPath: folder + "/" + subdir, withIntermediateDirectories: true)
            try Repodata(subdir: subdir, records: records).encoded()
                .write(to: URL(fileURLWithPath: folder + "/" + subdir + "/repodata.json"))
        }
    }

    /// A version `spec` admits, from the numbers it names (and each just above): `>=3.11,<3.12.0a0`
    /// → 3.11, `>1.20.0` → 1.20.0.1; `1.0` when it names none or admits none of them.
    static func admitted(by spec: MatchSpec) -> String {
        guard let constraint = spec.version else { return "1.0" }
        let text = spec.description
        var candidates: [String] = []
        var current = ""
        for character in text + " " {
            if character.isNumber || (character == "." && !current.isEmpty) {
                current.append(character)
            } else if !current.isEmpty {
                let number = current.hasSuffix(".") ? String(current.dropLast()) : current
                candidates += [number, number + ".1"]
                current = ""
            }
        }
        return candidates.first { (try? Version($0)).map(constraint.matches) ?? false } ?? "1.0"
    }

    // MARK: - Versions

    /// 2.5.1 → 2.6.0.
    static func nextMinor(_ version: String) -> String {
        let parts = version.split(separator: ".").map(String.init)
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return version + ".1" }
        return "\(major).\(minor + 1).0"
    }

    /// 0.7.3 → 0.7.4; a version ending in letters gets `.1`.
    static func bumped(_ version: String) -> String {
        var parts = version.split(separator: ".").map(String.init)
        if let last = parts.last, let number = Int(last) {
            parts[parts.count - 1] = String(number + 1)
            return parts.joined(separator: ".")
        }
        return version + ".1"
    }

    /// A new build's specs: on the core and the companions, the train's versions; the rest as before.
    static func depends(_ specs: [String], train: Train, core: String, version: String) -> [String] {
        specs.map { text in
            guard let spec = try? MatchSpec(text), let name = spec.exactName else { return text }
            if name == core { return "\(core) \(Self.series(version)).*" }
            if let member = train.member(name), member.reason == .companion, let target = member.targetVersion {
                return "\(name) \(Self.series(target.description)).*"
            }
            return text
        }
    }

    /// 2.6.0 → 2.6.
    static func series(_ version: String) -> String {
        version.split(separator: ".").prefix(2).joined(separator: ".")
    }

    static func pick(_ preferred: [String], in names: [String], last: Bool = false) -> String? {
        preferred.first { names.contains($0) } ?? (last ? names.last : names.first)
    }
}
