import Foundation
import RailyardCore
import Testing

/// CI's claims as events of the train: claimed, extended, expired, reported.
@Suite("Train: CI's claims are events")
struct TrainClaimTests {
    static let r1 = Actor.runner("r1")
    static let r2 = Actor.runner("r2")

    func claimed(_ events: [TrainEvent]) -> WorkClaim? {
        for event in events { if case .workClaimed(let claim) = event { return claim } }
        return nil
    }

    @Test("a build claim, then a test claim that starts the test; each claim is the train's, by id")
    func claims() throws {
        var script = try TrainScript.train(in: .companions)
        let build = try #require(
            claimed(try script.must(.claimWork(kind: nil, member: nil, leaseSeconds: 600), by: Self.r1)))
        #expect(build.id == "2.6.0:build:torchvision:rc1" && build.kind == .build && build.attempt == 1)
        #expect(build.leaseUntil == script.now.addingTimeInterval(600))
        #expect(script.train.heldClaims == [build])
        // The same build is not handed out twice while it is held.
        #expect(try script.must(.claimWork(kind: .build, member: nil, leaseSeconds: 600), by: Self.r2).isEmpty)
        try script.must(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            by: TrainScript.team)
        try script.must(.reportWork(work: build.id, passed: true, log: nil), by: Self.r1)
        #expect(script.train.heldClaims.isEmpty)
        let events = try script.must(.claimWork(kind: .test, member: nil, leaseSeconds: 600), by: Self.r2)
        let test = try #require(claimed(events))
        #expect(events.first == .testStarted(member: "torchvision"))
        #expect(test.id == "2.6.0:test:torchvision:rc1" && test.runner == "r2" && test.attempt == 1)
        #expect(script.state("torchvision") == .testing)
    }

    @Test("only the holder reports or extends; an unknown id is named")
    func holders() throws {
        var script = try TrainScript.train(in: .companions)
        let claim = try #require(
            claimed(try script.must(.claimWork(kind: .build, member: nil, leaseSeconds: 60), by: Self.r1)))
        #expect(
            script.run(.reportWork(work: claim.id, passed: false, log: nil), by: Self.r2)
                == .failure(.notYourClaim(id: claim.id, holder: "r1")))
        #expect(
            script.run(.extendLease(work: "2.6.0:build:nope:rc1", leaseSeconds: 60), by: Self.r1)
                == .failure(.unknownWork("2.6.0:build:nope:rc1")))
        let extended = try script.must(.extendLease(work: claim.id, leaseSeconds: 3_600), by: Self.r1)
        #expect(extended == [.leaseExtended(work: claim.id, until: script.now.addingTimeInterval(3_600))])
        try script.must(.reportWork(work: claim.id, passed: false, log: "https://ci.example.org/1"), by: Self.r1)
        #expect(script.train.member("torchvision")?.buildFailure?.attempts == 1)
        // A failed build is offered again only by name, as attempt 2.
        #expect(try script.must(.claimWork(kind: .build, member: nil, leaseSeconds: 60), by: Self.r1).isEmpty)
        let retry = try #require(
            claimed(try script.must(.claimWork(kind: .build, member: "torchvision", leaseSeconds: 60), by: Self.r1)))
        #expect(retry.attempt == 2)
    }

    @Test("a lease that ran out is returned at the next claim: the test goes back to the queue")
    func expiry() throws {
        var script = try TrainScript.train(in: .companions)
        try script.must(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            by: TrainScript.team)
        let test = try #require(
            claimed(try script.must(.claimWork(kind: .test, member: nil, leaseSeconds: 60), by: Self.r1)))
        // Within the lease, the test stays claimed; past it, the next claim returns it first.
        #expect(
            try script.run(.claimWork(kind: .test, member: nil, leaseSeconds: 60), by: Self.r2, after: 30).get().isEmpty
        )
        let events = try script.run(.claimWork(kind: .test, member: nil, leaseSeconds: 60), by: Self.r2, after: 31)
            .get()
        #expect(events.prefix(2) == [.leaseExpired(work: test.id), .testAbandoned(member: "torchvision")])
        let again = try #require(claimed(events))
        #expect(again.id == test.id && again.runner == "r2" && again.attempt == 2)
    }

    @Test("a test that no claim holds goes back to the queue at the next claim")
    func orphans() throws {
        var script = try TrainScript.train(in: .companions)
        try script.must(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            by: TrainScript.team)
        try script.must(.startTest(member: "torchvision"), by: Self.r1)
        let events = try script.must(.claimWork(kind: .build, member: nil, leaseSeconds: 60), by: Self.r1)
        #expect(events == [.testAbandoned(member: "torchvision")])
        #expect(script.state("torchvision") == .built)
    }

    @Test("replaying the log rebuilds the claims exactly")
    func replay() throws {
        var script = try TrainScript.train(in: .companions)
        try script.must(.claimWork(kind: nil, member: nil, leaseSeconds: 600), by: Self.r1)
        let id = try #require(script.train.heldClaims.first?.id)
        try script.must(.extendLease(work: id, leaseSeconds: 1_200), by: Self.r1)
        #expect(script.replayed.heldClaims == script.train.heldClaims)
        #expect(script.replayed == script.train)
    }
}
