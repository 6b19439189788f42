import Foundation
import PropertyBased
import RailyardApplication
import RailyardCore
import Testing

/// Three trains at once — a patch (2.5.2), a minor (2.6.0) and the next minor's RC (2.7.0) —
/// driven interleaved through their stages, with a pool of CI runners claiming from every
/// active train. After every step: the database and the channel verify, each staging label
/// lists exactly what its own train registered, and main never loses a file nor goes back to
/// an older torch.
@Suite("several trains interleaved: each promotes over the others without undoing them")
struct SeveralTrainsTests {
    enum Step: String, CaseIterable, Sendable {
        case create, rc, advance, stageCompanion, stageBump, ci, final, promote
    }

    /// A train's steps from creation to release.
    static func program(_ release: Yard.Release) -> [Step] {
        [.create, .rc, .advance, .advance, .stageCompanion, .ci, .advance]
            + (release.kornia == nil ? [] : [.stageBump]) + [.ci, .advance, .ci, .final, .promote]
    }

    /// One train's next step. `ci` is the runner pool: it claims test work and the all-together
    /// run from every active train, passing each, until none is left anywhere.
    static func perform(_ step: Step, _ release: Yard.Release, in yard: Yard) throws {
        let version = release.version
        let service = yard.service
        let guards = Guards()
        switch step {
        case .create:
            _ = try service.create(
                version, companions: ["torchvision": release.torchvision], staleOK: true, by: Yard.alice,
                guards: guards)
        case .rc:
            _ = try service.registerRC(
                1, files: Yard.platforms.map { yard.path("pytorch", version, $0, version) }, on: version,
                by: Yard.alice, guards: guards)
        case .advance:
            _ = try service.run(.advance, on: version, by: Yard.alice, guards: guards)
        case .stageCompanion:
            _ = try service.stage(
                Yard.platforms.map { yard.path("torchvision", release.torchvision, $0, version) }, on: version,
                by: Yard.team, guards: guards)
        case .stageBump:
            _ = try service.stage(
                [yard.path("kornia", release.kornia!.version, "noarch", version)], on: version, by: Yard.team,
                guards: guards)
        case .ci:
            try runnerPool(yard)
        case .final:
            _ = try service.run(.markFinal(rc: 1), on: version, by: Yard.alice, guards: guards)
        case .promote:
            _ = try service.promote(version, move: true, expectMain: nil, by: Yard.alice, guards: guards)
        }
    }

    /// Claims and passes test work and all-together runs from every active train until none is
    /// on offer.
    static func runnerPool(_ yard: Yard) throws {
        for _ in 0..<200 {
            var claimed = false
            for summary in try yard.store.trains() where !summary.stage.isTerminal {
                for kind in ["test", "integration"] {
                    let answer = try yard.service.claim(
                        on: summary.version, kind: kind, package: nil, subdir: nil, variant: nil, leaseSeconds: 3600,
                        by: Yard.runner, guards: Guards())
                    guard let work = answer.work else { continue }
                    _ = try yard.service.report(work.id, passed: true, log: nil, by: Yard.runner, guards: Guards())
                    claimed = true
                }
            }
            if !claimed { return }
        }
        Issue.record("the runner pool still found work after 200 rounds")
    }

    /// Drives the three trains in the order `choices` gives (each picks among the trains with
    /// steps left), checking after every step; returns the steps as `VERSION STEP` lines.
    @discardableResult
    static func drive(_ yard: Yard, choices: [Int]) throws -> [String] {
        var programs = Yard.releases.map { ($0, program($0)[...]) }
        var main = Yard.MainState()
        try #require(try yard.problems(sinceMain: &main) == [])
        var solvedNewest: String? = nil
        var done: [String] = []
        var choice = choices.makeIterator()
        while let left = Optional(programs.indices.filter { !programs[$0].1.isEmpty }), !left.isEmpty {
            let index = left[(choice.next() ?? 0) % left.count]
            let release = programs[index].0
            let step = programs[index].1.removeFirst()
            done.append("\(release.version) \(step.rawValue)")
            do {
                try perform(step, release, in: yard)
            } catch {
                Issue.record("\(done.joined(separator: ", ")): \(error)")
                throw error
            }
            let problems = try yard.problems(sinceMain: &main)
            #expect(problems == [], "after \(done.joined(separator: ", "))")
            if !problems.isEmpty { throw CancellationError() }
            // A solver asking for the newest torch never gets an older one than before.
            if step == .promote && Yard.hasRattler {
                let newest = try #require(try yard.solve(["pytorch"])["pytorch"])
                if let before = solvedNewest {
                    #expect(
                        try Version(newest) >= Version(before),
                        "after \(done.joined(separator: ", ")): a solver got pytorch \(newest), before \(before)")
                }
                solvedNewest = newest
            }
        }
        return done
    }

    /// The end every interleaving reaches: every train released, main holding all three torches,
    /// the newest for users who ask for no version, each series' own for those who ask for it.
    static func checkEnd(_ yard: Yard) throws {
        let stages = try yard.store.trains().map { "\($0.version) \($0.stage.rawValue)" }
        #expect(Set(stages) == ["2.5.2 released", "2.6.0 released", "2.7.0 released"])
        let main = try yard.service.verify()
        #expect(main.ok, "\(main.problems)")
        if Yard.hasRattler {
            #expect(try yard.solve(["pytorch", "torchvision"]) == ["pytorch": "2.7.0", "torchvision": "0.22.0"])
            // kornia 0.7.6 (2.7.0's, `<2.8`) admits 2.6.0 too, and is the newer.
            #expect(try yard.solve(["pytorch 2.6.*", "kornia"]) == ["pytorch": "2.6.0", "kornia": "0.7.6"])
            #expect(try yard.solve(["pytorch 2.5.*", "torchvision"]) == ["pytorch": "2.5.2", "torchvision": "0.20.2"])
        }
    }

    @Test(
        "the patch releases while the next minor is in RC; the minor, promoted after the next minor, adds to main and changes no unpinned solve; a dry run made before another train's promotion is refused until re-checked",
        .enabled(if: Yard.hasRattler || Yard.inCI, "needs py-rattler (pip install py-rattler)"))
    func patchWhileNextMinorInRC() throws {
        try #require(Yard.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let yard = try Yard()
        let service = yard.service
        // All three created, then 2.7.0 to its RC in candidate, 2.6.0 to staged, 2.5.2 all the way.
        var programs = Dictionary(uniqueKeysWithValues: Yard.releases.map { ($0.version, ($0, Self.program($0)[...])) })
        var main = Yard.MainState()
        func run(_ version: String, until last: Step? = nil, count: Int = .max) throws {
            var steps = 0
            while steps < count, let step = programs[version]!.1.first {
                programs[version]!.1.removeFirst()
                try Self.perform(step, programs[version]!.0, in: yard)
                #expect(try yard.problems(sinceMain: &main) == [], "after \(version) \(step)")
                steps += 1
                if step == last { return }
            }
        }
        for version in ["2.7.0", "2.6.0", "2.5.2"] { try run(version, count: 1) }
        try run("2.7.0", until: .rc)
        try run("2.6.0", until: .final)
        try run("2.5.2", until: .final)

        // 2.5.2 first: main had 2.5.1, so what a user gets with no version moves forward, and
        // the dry run says so.
        let patch = try service.promote("2.5.2", move: false, expectMain: nil, by: Yard.alice, guards: Guards())
        #expect(patch.ok, "\(patch.checks.filter { !$0.ok })")
        #expect(
            patch.changes.contains { change in
                change.name.hasSuffix("(no version asked)")
                    && change.changes.contains { $0.hasPrefix("picks pytorch 2.5.2 ") }
            },
            "\(patch.changes)")
        // 2.6.0's dry run, made now, before the patch's promotion.
        let early = try service.promote("2.6.0", move: false, expectMain: nil, by: Yard.alice, guards: Guards())
        #expect(early.ok)
        try run("2.5.2")
        // The move with the dry run's generation is refused: main changed since; re-checked, it goes.
        do {
            _ = try service.promote(
                "2.6.0", move: true, expectMain: early.mainGeneration, by: Yard.alice, guards: Guards())
            Issue.record("a promotion checked against an older main went through")
        } catch {
            #expect(error.code == "main-changed", "\(error)")
            #expect(error.message.contains("dry run"), "\(error.message)")
        }
        #expect(try yard.store.train("2.6.0").stage == .staged)

        // 2.7.0 overtakes 2.6.0 and is released first.
        try run("2.7.0")
        let minor = try service.promote("2.6.0", move: false, expectMain: nil, by: Yard.alice, guards: Guards())
        #expect(minor.ok, "\(minor.checks.filter { !$0.ok })")
        #expect(minor.changes.isEmpty, "2.6.0 after 2.7.0 changes no unpinned solve: \(minor.changes)")
        _ = try service.promote(
            "2.6.0", move: true, expectMain: minor.mainGeneration, by: Yard.alice, guards: Guards())
        #expect(try yard.problems(sinceMain: &main) == [])
        try Self.checkEnd(yard)
        // Every release's files are on main.
        for release in Yard.releases {
            for subdir in Yard.platforms {
                #expect(main.files.contains("\(subdir)/pytorch-\(release.version)-py311_0.tar.bz2"))
                #expect(main.files.contains("\(subdir)/torchvision-\(release.torchvision)-py311_0.tar.bz2"))
            }
        }
    }

    @Test(
        "any interleaving of the three trains, with the runner pool claiming from all: the checks hold after every step"
    )
    func randomInterleavings() async throws {
        let count = Yard.hasRattler ? 10 : 20
        await propertyCheck(count: count, input: Gen.int(in: 0...5).array(of: 30...45)) { choices in
            let yard = try Yard()
            try Self.drive(yard, choices: choices)
            try Self.checkEnd(yard)
        }
    }
}
