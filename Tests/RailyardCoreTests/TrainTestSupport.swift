import Foundation
import RailyardCore

/// A small distribution and a driver that scripts a train through it, checking each decision.
struct TrainScript {
    /// The small distribution's packages: name, version on main, and the catalog's lines.
    static let packages: [(String, String, [String])] = [
        ("pytorch", "2.5.1", []),
        ("torchvision", "0.20.1", ["companion: true", "abi: true", "depends: [\"pytorch 2.5.1.*\"]"]),
        ("kornia", "0.7.3", ["depends: [\"pytorch >=1.9.1,<2.6\"]"]),
        ("scatter", "2.1.2", ["abi: true", "depends: [\"pytorch 2.5.*\"]"]),
        ("captum", "0.7.0", ["depends: [\"pytorch >=1.6,<3\"]"]),
        ("timm", "1.0.11", ["depends: [\"pytorch >=1.7,<3\", \"torchvision >=0.8,<0.22\"]"]),
        ("pyg", "2.6.1", ["depends: [\"pytorch >=1.11,<3\", \"scatter >=2.1,<3\"]"]),
    ]
    static let catalogText = TestCatalogs.yaml(packages)

    static let start = Date(timeIntervalSince1970: 1_750_000_000)
    static let alice = Actor.person("alice")  // the release manager
    static let team = Actor.person("team")  // maintainer of every package
    static let runner = Actor.runner("ci-1")

    var train: Train
    var now: Date
    /// Every accepted command's events, actor and time: what the store's event log keeps.
    var history: [(events: [TrainEvent], actor: Actor, at: Date)] = []

    var log: [TrainEvent] { history.flatMap(\.events) }

    init(onDeadline: Policy.OnDeadline = .escalate, catalogText: String = catalogText, version: String = "2.6.0")
        throws
    {
        let catalog = try TestCatalogs.catalog(catalogText)
        let plan = try Planner.plan(catalog, coreVersion: Version(version))
        now = Self.start
        var initial = try Train.create(plan: plan, catalog: catalog, by: Self.alice, at: now)
        initial.policy.onDeadline = onDeadline
        train = initial
        train.apply([.created(initial)], by: Self.alice, at: now)
        history = [([.created(initial)], Self.alice, now)]
    }

    /// The train rebuilt from `history` alone.
    var replayed: Train {
        var rebuilt = history[0].events.first.flatMap { event -> Train? in
            if case .created(let initial) = event { return initial }
            return nil
        }!
        for entry in history { rebuilt.apply(entry.events, by: entry.actor, at: entry.at) }
        return rebuilt
    }

    /// Decides and applies `command`; returns its events, or the rejection.
    @discardableResult
    mutating func run(_ command: TrainCommand, by actor: Actor = alice, after seconds: TimeInterval = 60)
        -> Result<[TrainEvent], TrainRejection>
    {
        now = now.addingTimeInterval(seconds)
        let result = train.decide(command, by: actor, at: now)
        if case .success(let events) = result {
            train.apply(events, by: actor, at: now)
            history.append((events, actor, now))
        }
        return result
    }

    /// Runs `command` and fails the test if it is refused.
    @discardableResult
    mutating func must(_ command: TrainCommand, by actor: Actor = alice) throws -> [TrainEvent] {
        try run(command, by: actor).get()
    }

    func state(_ name: String) -> MemberState? { train.member(name)?.state }

    /// Builds and passes `name` against the current RC.
    mutating func buildAndPass(_ name: String, version: String, depends: [String]) throws {
        try must(.registerBuild(member: name, version: Version(version), depends: depends), by: Self.team)
        try pass(name)
    }

    mutating func pass(_ name: String) throws {
        try must(.startTest(member: name), by: Self.runner)
        try must(.reportTest(member: name, rc: train.rc!, passed: true, log: nil), by: Self.runner)
    }

    /// A train driven to `stage` along the happy path.
    static func train(in stage: Stage, onDeadline: Policy.OnDeadline = .escalate) throws -> TrainScript {
        var script = try TrainScript(onDeadline: onDeadline)
        if stage == .planned { return script }
        if stage == .aborted {
            try script.must(.abort(reason: "test"))
            return script
        }
        try script.must(.registerRC(number: 1, artifacts: .rc("linux-64")))
        try script.must(.advance)
        if stage == .candidate { return script }
        try script.must(.advance)
        if stage == .companions { return script }
        try script.buildAndPass("torchvision", version: "0.21.0", depends: ["pytorch 2.6.0.*"])
        try script.must(.advance)
        if stage == .downstream { return script }
        try script.buildAndPass("kornia", version: "0.7.4", depends: ["pytorch >=1.9.1,<2.7"])
        try script.buildAndPass("scatter", version: "2.1.3", depends: ["pytorch 2.6.*"])
        try script.pass("captum")
        try script.pass("timm")
        try script.pass("pyg")
        try script.must(.advance)
        if stage == .staged { return script }
        try script.must(.reportIntegration(rc: 1, passed: true, log: nil), by: runner)
        try script.must(.markFinal(rc: 1))
        try script.must(.release)
        return script
    }
}

extension [Artifact] {
    /// The core's RC files, one per subdir, as the channel registers them.
    static func rc(_ subdirs: String...) -> [Artifact] {
        subdirs.map {
            Artifact(subdir: $0, fileName: "pytorch-2.6.0-py311_0.conda", sha256: String(repeating: "a", count: 64))
        }
    }
}
