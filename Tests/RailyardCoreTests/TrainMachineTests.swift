import Foundation
import RailyardCore
import Testing

@Suite("Train: the state machine, scripted")
struct TrainMachineTests {
    @Test("a minor release with a companion, a bump, an ABI rebuild, a decline, an exclusion and a waiver")
    func minorRelease() throws {
        var script = try TrainScript()
        #expect(script.train.stage == .planned)
        #expect(script.state("torchvision") == .pending)
        #expect(script.state("kornia") == .pending)
        #expect(script.state("scatter") == .pending)
        #expect(script.state("captum") == .built)  // retest: its current build is the candidate
        #expect(script.state("timm") == .built)
        #expect(script.state("pyg") == .built)

        // No RC yet: the gate of planned does not hold.
        guard case .failure(.gateNotMet(.planned, let failing)) = script.run(.advance) else {
            Issue.record("advance without an RC must be refused")
            return
        }
        #expect(failing.map(\.name) == ["an RC of pytorch is registered"])

        try script.must(.registerRC(number: 1, artifacts: .rc("linux-64")))
        #expect(try script.must(.advance) == [.stageEntered(.candidate, fallback: false)])
        let entering = try script.must(.advance)
        #expect(entering.first == .stageEntered(.companions, fallback: false))
        #expect(script.state("torchvision") == .requested)
        #expect(script.train.member("torchvision")?.deadline == script.now.addingTimeInterval(7 * 86_400))

        // A companion build that still pins the old torch is refused, naming the spec.
        let stale = try Version("0.21.0")
        #expect(
            script.run(
                .registerBuild(member: "torchvision", version: stale, depends: ["pytorch 2.5.1.*"]),
                by: TrainScript.team
            )
                == .failure(
                    .buildExcludesTrain(
                        member: "torchvision", spec: "pytorch 2.5.1.*", package: "pytorch", version: "2.6.0")
                )
        )
        try script.must(.acknowledge(member: "torchvision", eta: nil), by: TrainScript.team)
        try script.buildAndPass("torchvision", version: "0.21.0", depends: ["pytorch 2.6.0.*"])
        #expect(script.train.member("torchvision")?.result?.rc == 1)

        try script.must(.advance)
        #expect(script.train.stage == .downstream)
        #expect(script.state("kornia") == .requested)
        #expect(script.state("scatter") == .requested)

        try script.pass("captum")
        try script.pass("timm")
        try script.must(.decline(member: "kornia", reason: "no time this cycle"), by: TrainScript.team)
        #expect(script.state("kornia") == .declined)
        let blocked = script.train.blockedReasons(of: script.train.member("kornia")!, at: script.now)
        #expect(blocked.map(\.kind) == [.blockedBy])
        #expect(blocked.first?.detail == "declined: no time this cycle")
        #expect(Set(script.train.rootCauses(at: script.now).map(\.member)) == ["kornia", "scatter"])

        try script.must(.exclude(member: "kornia", reason: "declined; 0.7.3 stays on main", cascade: false))
        try script.must(
            .registerBuild(member: "scatter", version: Version("2.1.3"), depends: ["pytorch 2.6.*"]),
            by: TrainScript.team)
        try script.must(.startTest(member: "scatter"), by: TrainScript.runner)
        try script.must(
            .reportTest(member: "scatter", rc: 1, passed: false, log: "https://ci.example.org/42"),
            by: TrainScript.runner)
        #expect(script.state("scatter") == .failed)
        guard case .failure(.gateNotMet(.downstream, _)) = script.run(.advance) else {
            Issue.record("a failed member keeps the gate shut")
            return
        }
        try script.must(.waive(member: "scatter", reason: "flaky CUDA test, tracked upstream"))
        #expect(script.state("scatter") == .passed)
        #expect(script.train.member("scatter")?.waiver?.reason == "flaky CUDA test, tracked upstream")
        try script.pass("pyg")

        try script.must(.advance)
        #expect(script.train.stage == .staged)
        #expect(script.train.integration == Train.Integration(rc: 1, passed: nil, log: nil))
        guard case .failure(.gateNotMet(.staged, let unmet)) = script.run(.release) else {
            Issue.record("release needs the all-together run and RC final")
            return
        }
        #expect(unmet.count == 2)
        try script.must(.reportIntegration(rc: 1, passed: true, log: nil), by: TrainScript.runner)
        try script.must(.markFinal(rc: 1))
        #expect(try script.must(.release) == [.released])
        #expect(script.train.stage == .released)
        #expect(
            script.train.history.map(\.stage) == [.planned, .candidate, .companions, .downstream, .staged, .released])
    }

    @Test("RC 2 in downstream: stale builds and results, and the fall back to companions")
    func respinInDownstream() throws {
        var script = try TrainScript.train(in: .downstream)
        try script.pass("captum")
        let events = try script.must(.registerRC(number: 2, artifacts: .rc("linux-64")))
        #expect(
            events == [
                .rcRegistered(number: 2, subdirs: ["linux-64"], artifacts: .rc("linux-64")),
                .invalidated(member: "torchvision", state: .requested),
                .invalidated(member: "captum", state: .built),
                .stageEntered(.companions, fallback: true),
            ]
        )
        #expect(script.train.stage == .companions)
        #expect(script.state("torchvision") == .requested)
        #expect(script.state("captum") == .built)
        #expect(script.train.member("torchvision")?.build == nil)
        // A report against the old RC is refused as stale.
        #expect(
            script.run(.reportTest(member: "captum", rc: 1, passed: true, log: nil), by: TrainScript.runner)
                == .failure(.staleRC(given: 1, current: 2))
        )
        #expect(script.run(.registerRC(number: 2, artifacts: [])) == .failure(.rcNotNewer(current: 2, given: 2)))
    }

    @Test("RC 2 in staged: the all-together run and the final mark go stale")
    func respinInStaged() throws {
        var script = try TrainScript.train(in: .staged)
        try script.must(.reportIntegration(rc: 1, passed: true, log: nil), by: TrainScript.runner)
        try script.must(.markFinal(rc: 1))
        let events = try script.must(.registerRC(number: 2, artifacts: .rc("linux-64")))
        #expect(events.last == .stageEntered(.companions, fallback: true))
        #expect(script.train.finalRC == nil)
        #expect(script.train.integration == nil)
        #expect(Set(events.compactMap(\.member)) == ["torchvision", "kornia", "scatter", "captum", "timm", "pyg"])
        #expect(script.state("scatter") == .requested)  // C++/CUDA: rebuilt for the new RC
        #expect(script.state("kornia") == .built)  // pure Python: its build stands, its test is stale
    }

    @Test("a new build in staged falls back to downstream until it is tested")
    func buildInStaged() throws {
        var script = try TrainScript.train(in: .staged)
        let events = try script.must(
            .registerBuild(member: "kornia", version: Version("0.7.5"), depends: ["pytorch >=1.9.1,<2.7"]),
            by: TrainScript.team
        )
        #expect(events.last == .stageEntered(.downstream, fallback: true))
        #expect(script.state("kornia") == .built)
    }

    @Test("a parent's new version that a member's pin excludes turns it into a bump request")
    func parentVersionMakesBump() throws {
        var script = try TrainScript.train(in: .downstream)
        // torchvision respun as 0.22.0: timm pins <0.22.
        try script.must(
            .registerBuild(member: "torchvision", version: Version("0.22.0"), depends: ["pytorch 2.6.0.*"]),
            by: TrainScript.team
        )
        #expect(script.train.member("timm")?.reason == .bump)
        #expect(script.train.member("timm")?.why == "'torchvision >=0.8,<0.22' excludes torchvision 0.22.0")
        #expect(script.state("timm") == .requested)
    }

    @Test("a member waits for its parents before it is tested")
    func waitingFor() throws {
        var script = try TrainScript.train(in: .downstream)
        // pyg depends on scatter, whose rebuild was only requested.
        #expect(
            script.run(.startTest(member: "pyg"), by: TrainScript.runner)
                == .failure(.waitingFor(member: "pyg", parents: ["scatter"]))
        )
        let reasons = script.train.blockedReasons(of: script.train.member("pyg")!, at: script.now)
        #expect(reasons.map(\.kind) == [.waitingFor])
        #expect(reasons.first?.on == ["scatter"])
        // A waiting member is not a root cause: the parent is.
        let causes = script.train.rootCauses(at: script.now)
        #expect(causes.contains { $0.member == "scatter" })
        #expect(!causes.contains { $0.member == "pyg" })
        try script.buildAndPass("scatter", version: "2.1.3", depends: ["pytorch 2.6.*"])
        try script.pass("pyg")
        #expect(script.state("pyg") == .passed)
    }

    @Test("the deadline policy excludes laggards when it says so, recorded as the policy")
    func deadlinePolicy() throws {
        var script = try TrainScript.train(in: .downstream, onDeadline: .exclude)
        #expect(try script.run(.sweepDeadlines, by: .policy, after: 3_600).get().isEmpty)
        let events = try script.run(.sweepDeadlines, by: .policy, after: 8 * 86_400).get()
        #expect(events.compactMap(\.member).sorted() == ["kornia", "scatter"])
        #expect(script.train.member("kornia")?.exclusion?.byPolicy == true)
        #expect(script.train.member("kornia")?.exclusion?.by == "policy")
    }

    @Test("overdue requests are blocked-by, with their maintainers")
    func overdue() throws {
        let script = try TrainScript.train(in: .downstream)
        let later = script.now.addingTimeInterval(8 * 86_400)
        let reasons = script.train.blockedReasons(of: script.train.member("kornia")!, at: later)
        #expect(reasons.map(\.kind) == [.blockedBy])
        #expect(reasons.first?.on == ["team"])
        #expect(script.train.blockedReasons(of: script.train.member("kornia")!, at: script.now).isEmpty)
    }

    @Test("exclude --cascade takes the dependents too; without it they are blocked-by the exclusion")
    func cascade() throws {
        var script = try TrainScript.train(in: .downstream)
        try script.must(.exclude(member: "torchvision", reason: "broken on win-64", cascade: false))
        let reasons = script.train.blockedReasons(of: script.train.member("timm")!, at: script.now)
        // timm pins torchvision >=0.8,<0.22, which admits 0.20.1 on main: not blocked.
        #expect(reasons.isEmpty)
        var other = try TrainScript.train(in: .downstream)
        let events = try other.must(.exclude(member: "torchvision", reason: "broken", cascade: true))
        #expect(events.compactMap(\.member) == ["torchvision", "timm"])

        // Excluding scatter without --cascade: pyg's pin (scatter >=2.1,<3) admits the 2.1.2 that
        // stays on main, so pyg may still be tested.
        var third = try TrainScript.train(in: .downstream)
        try third.must(.exclude(member: "scatter", reason: "cannot build for 2.6", cascade: false))
        try third.pass("pyg")
        #expect(third.state("pyg") == .passed)
    }

    @Test("a member whose pin excludes what an excluded parent keeps on main cannot be tested")
    func blockedByExclusion() throws {
        var script = try TrainScript.train(in: .downstream)
        // A new pyg build pins the new scatter; then scatter is excluded: main keeps 2.1.2.
        try script.must(
            .registerBuild(
                member: "pyg", version: Version("2.6.2"), depends: ["pytorch >=2.6,<3", "scatter >=2.1.3,<3"]),
            by: TrainScript.team
        )
        try script.must(.exclude(member: "scatter", reason: "cannot build for 2.6", cascade: false))
        #expect(
            script.run(.startTest(member: "pyg"), by: TrainScript.runner)
                == .failure(.blockedByExclusion(member: "pyg", parents: ["scatter"]))
        )
        let reasons = script.train.blockedReasons(of: script.train.member("pyg")!, at: script.now)
        #expect(reasons.map(\.kind) == [.blockedBy])
        #expect(script.train.rootCauses(at: script.now).contains { $0.member == "pyg" && $0.owners == ["alice"] })
    }

    @Test("only the people the rules name may act")
    func permissions() throws {
        var script = try TrainScript.train(in: .downstream)
        #expect(
            script.run(.advance, by: TrainScript.team)
                == .failure(.notAllowed(actor: "team", command: "advance", needs: "a release manager"))
        )
        #expect(
            script.run(.acknowledge(member: "kornia", eta: nil), by: .person("mallory"))
                == .failure(
                    .notAllowed(
                        actor: "mallory", command: "ack", needs: "a maintainer of kornia (team) or a release manager")
                )
        )
        #expect(
            script.run(.startTest(member: "captum"), by: TrainScript.team)
                == .failure(.notAllowed(actor: "team", command: "claim", needs: "a CI runner or a release manager"))
        )
        #expect(
            script.run(.exclude(member: "kornia", reason: "  ", cascade: false))
                == .failure(.missingReason(command: "exclude")))
        #expect(script.run(.waive(member: "nope", reason: "x")) == .failure(.unknownMember("nope")))
        var fresh = try TrainScript()
        #expect(fresh.run(.registerRC(number: 0, artifacts: [])) == .failure(.invalidRCNumber(0)))
        #expect(fresh.run(.registerRC(number: -3, artifacts: [])) == .failure(.invalidRCNumber(-3)))
        // Bounded above too, so that no RC number leaves the train without a newer one to come.
        #expect(fresh.run(.registerRC(number: 1_000, artifacts: [])) == .failure(.invalidRCNumber(1_000)))
        #expect(fresh.run(.registerRC(number: Int.max, artifacts: [])) == .failure(.invalidRCNumber(Int.max)))
        let long = String(repeating: "x", count: Train.maxReasonLength + 1)
        #expect(
            script.run(.exclude(member: "kornia", reason: long, cascade: false))
                == .failure(.reasonTooLong(command: "exclude", length: Train.maxReasonLength + 1)))
        #expect(fresh.run(.abort(reason: long)) == .failure(.reasonTooLong(command: "abort", length: long.count)))
        #expect(try fresh.must(.registerRC(number: 999, artifacts: .rc("linux-64"))).isEmpty == false)
    }

    @Test("an RC without files is refused, saying how to register them; its files' subdirs are the RC's")
    func rcNeedsFiles() throws {
        var script = try TrainScript()
        #expect(
            script.run(.registerRC(number: 1, artifacts: []))
                == .failure(.noRCFiles(number: 1, core: "pytorch", version: "2.6.0")))
        #expect(
            TrainRejection.noRCFiles(number: 1, core: "pytorch", version: "2.6.0").description.contains(
                "railyard stage FILE --train 2.6.0 --rc 1"))
        #expect(script.train.rc == nil)
        try script.must(.registerRC(number: 1, artifacts: .rc("osx-arm64", "linux-64", "linux-64")))
        #expect(script.train.rcSubdirs == ["linux-64", "osx-arm64"])
    }

    @Test("only a release manager creates a train")
    func createPermission() throws {
        let catalog = try TestCatalogs.catalog(TrainScript.catalogText)
        let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
        #expect(throws: TrainRejection.notAllowed(actor: "team", command: "create", needs: "a release manager (alice)"))
        {
            try Train.create(plan: plan, catalog: catalog, by: TrainScript.team, at: TrainScript.start)
        }
    }

    @Test("abort ends the train; nothing moves it afterwards")
    func abort() throws {
        var script = try TrainScript.train(in: .companions)
        try script.must(.abort(reason: "torch 2.6 withdrawn"))
        #expect(script.train.stage == .aborted)
        #expect(script.train.abortReason == "torch 2.6 withdrawn")
        #expect(
            script.run(.registerRC(number: 2, artifacts: []))
                == .failure(.wrongStage(command: "rc", stage: .aborted, allowed: Stage.path)))
    }

    /// Every command, with the stages it belongs to.
    static let commandStages: [(TrainCommand, [Stage])] = [
        (.registerRC(number: 9, artifacts: .rc("linux-64")), Stage.path),
        (.advance, [.planned, .candidate, .companions, .downstream]),
        (.acknowledge(member: "kornia", eta: nil), Stage.path),
        (.decline(member: "kornia", reason: "x"), Stage.path),
        (
            .registerBuild(member: "kornia", version: try! Version("0.7.4"), depends: []),
            [.companions, .downstream, .staged]
        ),
        (.startTest(member: "captum"), [.companions, .downstream, .staged]),
        (.reportTest(member: "captum", rc: 1, passed: true, log: nil), [.companions, .downstream, .staged]),
        (.abandonTest(member: "captum"), Stage.allCases),
        (.reportIntegration(rc: 1, passed: true, log: nil), [.staged]),
        (.exclude(member: "kornia", reason: "x", cascade: false), Stage.path),
        (.waive(member: "kornia", reason: "x"), Stage.path),
        (.markFinal(rc: 1), [.staged]),
        (.release, [.staged]),
        (.abort(reason: "x"), Stage.path),
        (.sweepDeadlines, Stage.path),
    ]

    @Test("every stage rejects the commands that do not belong to it", arguments: Stage.allCases)
    func stageRejections(_ stage: Stage) throws {
        let script = try TrainScript.train(in: stage)
        #expect(script.train.stage == stage)
        for (command, allowed) in Self.commandStages where !allowed.contains(stage) {
            let actor: Actor =
                switch command {
                case .startTest, .reportTest, .reportIntegration: TrainScript.runner
                case .sweepDeadlines, .abandonTest: .policy
                default: TrainScript.alice
                }
            let result = script.train.decide(command, by: actor, at: script.now)
            #expect(
                result == .failure(.wrongStage(command: command.name, stage: stage, allowed: allowed)),
                "\(command) in \(stage)"
            )
        }
    }

    @Test("the state rebuilt from the event log equals the live state", arguments: Stage.allCases)
    func rebuildFromLog(_ stage: Stage) throws {
        let script = try TrainScript.train(in: stage)
        #expect(script.replayed == script.train)
        #expect(script.train.revision == script.history.count)
    }

    @Test("a train round-trips through JSON, as the store keeps it")
    func codable() throws {
        let script = try TrainScript.train(in: .staged)
        let data = try JSONEncoder().encode(script.train)
        #expect(try JSONDecoder().decode(Train.self, from: data) == script.train)
        let events = try JSONEncoder().encode(script.log)
        #expect(try JSONDecoder().decode([TrainEvent].self, from: events) == script.log)
    }
}

@Suite("Train: the work CI can take")
struct TrainWorkTests {
    @Test("test work: built members whose parents passed; a failed one only by name; the staged run")
    func work() throws {
        var script = try TrainScript.train(in: .downstream)
        // pyg waits for scatter; kornia and scatter wait for their builds.
        #expect(script.train.testWork(by: TrainScript.runner, at: script.now) == ["captum", "timm"])
        try script.must(.startTest(member: "captum"), by: TrainScript.runner)
        try script.must(.reportTest(member: "captum", rc: 1, passed: false, log: nil), by: TrainScript.runner)
        #expect(script.train.testWork(by: TrainScript.runner, at: script.now) == ["timm"])
        #expect(script.train.testWork(retrying: "captum", by: TrainScript.runner, at: script.now) == ["captum"])
        #expect(script.train.testWork(by: TrainScript.team, at: script.now).isEmpty)  // not a runner
        #expect(script.train.integrationWork == nil)
        let staged = try TrainScript.train(in: .staged)
        #expect(staged.train.integrationWork == 1)
    }
}
