import Foundation
import RailyardCore
import Testing

@Suite("Train: build work derived from state")
struct TrainBuildWorkTests {
    @Test("companions are built first; a success counts only once the build is staged")
    func companionBuilds() throws {
        var script = try TrainScript.train(in: .companions)
        #expect(script.train.buildWork() == ["torchvision"])
        // Reporting success before the artifact is staged is refused with what to do.
        #expect(
            script.run(.reportBuild(member: "torchvision", rc: 1, passed: true, log: nil), by: TrainScript.runner)
                == .failure(.buildNotStaged(member: "torchvision", rc: 1))
        )
        try script.must(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            by: TrainScript.team)
        #expect(script.train.buildWork().isEmpty)
        let events = try script.must(
            .reportBuild(member: "torchvision", rc: 1, passed: true, log: "https://ci/b1"), by: TrainScript.runner)
        #expect(events == [.buildReported(member: "torchvision", rc: 1, passed: true, log: "https://ci/b1")])
        #expect(script.state("torchvision") == .built)
        #expect(script.replayed == script.train)
    }

    @Test("a failed build blocks the member, is retried by name, and counts its attempts")
    func failedBuild() throws {
        var script = try TrainScript.train(in: .companions)
        try script.must(
            .reportBuild(member: "torchvision", rc: 1, passed: false, log: "https://ci/b1"), by: TrainScript.runner)
        #expect(script.state("torchvision") == .requested)
        #expect(script.train.buildWork().isEmpty)
        #expect(script.train.buildWork(retrying: "torchvision") == ["torchvision"])
        let reasons = script.train.blockedReasons(of: script.train.member("torchvision")!, at: script.now)
        #expect(reasons.map(\.kind) == [.blockedBy])
        #expect(reasons.first?.detail == "build failed against RC 1; log: https://ci/b1")
        #expect(script.train.rootCauses(at: script.now).map(\.member) == ["torchvision"])
        try script.must(
            .reportBuild(member: "torchvision", rc: 1, passed: false, log: nil), by: TrainScript.runner)
        #expect(script.train.member("torchvision")?.buildFailure?.attempts == 2)
        #expect(
            script.train.blockedReasons(of: script.train.member("torchvision")!, at: script.now).first?.detail
                == "build failed against RC 1 (2 attempts)")
        // The failure told its maintainers.
        let notices = script.train.notices(for: [
            .buildReported(member: "torchvision", rc: 1, passed: false, log: "x")
        ])
        #expect(notices.map(\.kind) == ["blocked"])
        #expect(notices.first?.recipients == ["team"])
        // A registered build clears the failure.
        try script.must(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            by: TrainScript.team)
        #expect(script.train.member("torchvision")?.buildFailure == nil)
        #expect(script.replayed == script.train)
    }

    @Test("a new RC makes build failures stale; a report against an old RC is refused")
    func respin() throws {
        var script = try TrainScript.train(in: .companions)
        try script.must(
            .reportBuild(member: "torchvision", rc: 1, passed: false, log: nil), by: TrainScript.runner)
        try script.must(.registerRC(number: 2, artifacts: .rc("linux-64")))
        #expect(script.train.member("torchvision")?.buildFailure == nil)
        #expect(script.train.buildWork() == ["torchvision"])
        #expect(
            script.run(.reportBuild(member: "torchvision", rc: 1, passed: false, log: nil), by: TrainScript.runner)
                == .failure(.staleRC(given: 1, current: 2))
        )
    }

    @Test("in downstream, C++/CUDA members are built by CI; other members are not")
    func downstreamBuilds() throws {
        var script = try TrainScript.train(in: .downstream)
        // scatter is ABI-coupled (a rebuild); kornia needs a bump its maintainers make.
        #expect(script.train.buildWork() == ["scatter"])
        #expect(
            script.run(.reportBuild(member: "kornia", rc: 1, passed: false, log: nil), by: TrainScript.runner)
                == .failure(.notBuiltByCI(member: "kornia"))
        )
        #expect(
            script.run(.reportBuild(member: "scatter", rc: 1, passed: false, log: nil), by: .person("mallory"))
                == .failure(.notAllowed(actor: "mallory", command: "report", needs: "a CI runner or a release manager"))
        )
    }

    @Test("a build waits for its parents' builds")
    func parentsFirst() throws {
        let text = TestCatalogs.yaml([
            ("pytorch", "2.5.1", []),
            ("torchvision", "0.20.1", ["companion: true", "abi: true", "depends: [\"pytorch 2.5.1.*\"]"]),
            ("vision-ops", "1.0.0", ["abi: true", "depends: [\"pytorch >=2,<3\", \"torchvision >=0.20,<1\"]"]),
        ])
        let catalog = try TestCatalogs.catalog(text)
        let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
        let t0 = TrainScript.start
        var train = try Train.create(plan: plan, catalog: catalog, by: TrainScript.alice, at: t0)
        func run(_ command: TrainCommand, by actor: Actor = TrainScript.alice) throws {
            train.apply(try train.decide(command, by: actor, at: t0).get(), by: actor, at: t0)
        }
        try run(.registerRC(number: 1, artifacts: .rc("linux-64")))
        try run(.advance)
        try run(.advance)
        try run(.registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]))
        try run(.startTest(member: "torchvision"), by: TrainScript.runner)
        try run(.reportTest(member: "torchvision", rc: 1, passed: true, log: nil), by: TrainScript.runner)
        try run(.advance)
        #expect(train.stage == .downstream)
        #expect(train.buildWork() == ["vision-ops"])
        // A respin sends torchvision back to requested and the train back to companions: only
        // torchvision is built there, and vision-ops waits for its build.
        try run(.registerRC(number: 2, artifacts: .rc("linux-64")))
        #expect(train.stage == .companions)
        #expect(train.member("vision-ops")?.state == .requested)
        #expect(train.buildWork() == ["torchvision"])
        #expect(train.buildParentsWaitedFor(train.member("vision-ops")!) == ["torchvision"])
        try run(.registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]))
        #expect(train.buildParentsWaitedFor(train.member("vision-ops")!) == [])
        #expect(train.buildWork() == [])
    }
}
