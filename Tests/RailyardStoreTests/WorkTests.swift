import Foundation
import RailyardCore
import RailyardStore
import Testing

@Suite("Store: CI work claimed under leases")
struct WorkTests {
    static let alice = StoreFixture.alice
    static let t0 = StoreFixture.start

    /// A train in companions with torchvision's build registered.
    static func companionsWithBuild(_ store: Store) throws {
        try store.create(StoreFixture.train(), by: alice, at: t0)
        try store.execute(.registerRC(number: 1, artifacts: .rc("linux-64")), on: "2.6.0", by: alice, at: t0)
        try store.execute(.advance, on: "2.6.0", by: alice, at: t0)
        try store.execute(.advance, on: "2.6.0", by: alice, at: t0)
        try store.execute(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            on: "2.6.0",
            by: .person("team"),
            at: t0
        )
    }

    @Test("work follows the state: one claim per item, companions first, then the rest")
    func claims() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try Self.companionsWithBuild(store)
        let item = try #require(try store.claim(train: "2.6.0", runner: "r1", lease: 600, at: Self.t0))
        #expect(item.id == "2.6.0:test:torchvision:rc1")
        #expect(item.kind == .test)
        #expect(item.attempt == 1)
        #expect(try store.train("2.6.0").member("torchvision")?.state == .testing)
        #expect(try store.claims(train: "2.6.0") == [item])
        // Held, and the downstream members wait for the downstream stage: nothing else to claim.
        #expect(try store.claim(train: "2.6.0", runner: "r2", lease: 600, at: Self.t0) == nil)
        #expect(throws: StoreError.rejected(.notYourClaim(id: item.id, holder: "r1"))) {
            try store.report(work: item.id, passed: true, log: nil, runner: "r2", at: Self.t0)
        }
        try store.report(work: item.id, passed: true, log: "https://ci.example.org/1", runner: "r1", at: Self.t0)
        #expect(try store.claims(train: "2.6.0").isEmpty)
        #expect(try store.train("2.6.0").member("torchvision")?.state == .passed)
        #expect(throws: StoreError.rejected(.unknownWork(item.id))) {
            try store.report(work: item.id, passed: true, log: nil, runner: "r1", at: Self.t0)
        }
        try store.execute(.advance, on: "2.6.0", by: Self.alice, at: Self.t0)
        let next = try #require(try store.claim(train: "2.6.0", kind: .test, runner: "r1", lease: 600, at: Self.t0))
        #expect(next.package == "captum")
        #expect(try store.verify().isEmpty)
    }

    @Test("an expired lease returns the item to the queue; the late report is refused")
    func leaseExpiry() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try Self.companionsWithBuild(store)
        let first = try #require(try store.claim(train: "2.6.0", runner: "slow", lease: 60, at: Self.t0))
        let later = Self.t0.addingTimeInterval(120)
        let second = try #require(try store.claim(train: "2.6.0", runner: "fast", lease: 60, at: later))
        #expect(second.package == first.package)
        #expect(second.attempt == 2)
        #expect(throws: StoreError.rejected(.notYourClaim(id: first.id, holder: "fast"))) {
            try store.report(work: first.id, passed: true, log: nil, runner: "slow", at: later)
        }
        try store.report(work: second.id, passed: false, log: nil, runner: "fast", at: later)
        #expect(try store.train("2.6.0").member("torchvision")?.state == .failed)
        // A failed test is retried only when asked for by name; the attempts are kept.
        #expect(try store.claim(train: "2.6.0", runner: "fast", lease: 60, at: later) == nil)
        let retry = try #require(
            try store.claim(train: "2.6.0", package: "torchvision", runner: "fast", lease: 60, at: later))
        #expect(retry.attempt == 3)
        #expect(try store.verify().isEmpty)
    }

    @Test(
        "a heartbeat is held to the claim's lease bounds (1 s to a day): Int.max would hold the item for ever",
        arguments: [0, -1, 86_401, Double(Int.max), .infinity, .nan])
    func heartbeatLeaseBounds(seconds: Double) throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try Self.companionsWithBuild(store)
        let item = try #require(try store.claim(train: "2.6.0", runner: "r1", lease: 600, at: Self.t0))
        let heartbeat = #expect(throws: StoreError.self) {
            try store.heartbeat(work: item.id, runner: "r1", lease: seconds, at: Self.t0)
        }
        #expect(heartbeat?.code == "invalid-lease")
        let claim = #expect(throws: StoreError.self) {
            try store.claim(train: "2.6.0", package: "torchvision", runner: "r2", lease: seconds, at: Self.t0)
        }
        #expect(claim?.code == "invalid-lease")
        // The claim keeps the lease it had.
        #expect(try store.claims(train: "2.6.0").map(\.leaseUntil) == [item.leaseUntil])
        let day = try store.heartbeat(work: item.id, runner: "r1", lease: 86_400, at: Self.t0)
        #expect(day.leaseUntil == Self.t0.addingTimeInterval(86_400))
    }

    @Test("claim and report honour an idempotency key: a repeat answers the first, once")
    func idempotentWork() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try Self.companionsWithBuild(store)
        let claimKey = IdempotencyKey(scope: "r1", key: "c1", request: "claim", parts: ["claim", "2.6.0"])
        let item = try #require(
            try store.claim(train: "2.6.0", runner: "r1", lease: 600, at: Self.t0, idempotency: claimKey))
        let again = try store.claim(train: "2.6.0", runner: "r1", lease: 600, at: Self.t0, idempotency: claimKey)
        #expect(again == item)
        #expect(try store.claims(train: "2.6.0").count == 1)
        let reportKey = IdempotencyKey(scope: "r1", key: "r1", request: "report", parts: ["report", item.id])
        let first = try store.report(
            work: item.id, passed: true, log: nil, runner: "r1", at: Self.t0, idempotency: reportKey)
        // Without the key the claim is gone; with it the first outcome comes back.
        let repeated = try store.report(
            work: item.id, passed: true, log: nil, runner: "r1", at: Self.t0, idempotency: reportKey)
        #expect(repeated.replayed && repeated.revision == first.revision)
        #expect(throws: StoreError.rejected(.unknownWork(item.id))) {
            try store.report(work: item.id, passed: true, log: nil, runner: "r1", at: Self.t0)
        }
    }

    @Test("a report against a stale RC is refused")
    func staleRC() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try Self.companionsWithBuild(store)
        let item = try #require(try store.claim(train: "2.6.0", runner: "r1", lease: 600, at: Self.t0))
        try store.execute(.registerRC(number: 2, artifacts: .rc("linux-64")), on: "2.6.0", by: Self.alice, at: Self.t0)
        #expect(throws: StoreError.rejected(.staleRC(given: 1, current: 2))) {
            try store.report(work: item.id, passed: true, log: nil, runner: "r1", at: Self.t0)
        }
    }

    @Test("build work: claimed under a lease, a success only once staged, a failure retried by name")
    func builds() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.create(StoreFixture.train(), by: Self.alice, at: Self.t0)
        try store.execute(.registerRC(number: 1, artifacts: .rc("linux-64")), on: "2.6.0", by: Self.alice, at: Self.t0)
        try store.execute(.advance, on: "2.6.0", by: Self.alice, at: Self.t0)
        try store.execute(.advance, on: "2.6.0", by: Self.alice, at: Self.t0)
        let revision = try store.train("2.6.0").revision
        let build = try #require(try store.claim(train: "2.6.0", runner: "r1", lease: 60, at: Self.t0))
        #expect(build.id == "2.6.0:build:torchvision:rc1")
        #expect(build.kind == .build)
        #expect(build.package == "torchvision")
        #expect(build.attempt == 1)
        // Claiming a build is an event of the train (its revision moves); the item is held.
        #expect(try store.train("2.6.0").revision == revision + 1)
        #expect(try store.train("2.6.0").heldClaims.map(\.id) == [build.id])
        #expect(try store.claim(train: "2.6.0", runner: "r2", lease: 60, at: Self.t0) == nil)
        // An expired build lease hands the build to another runner.
        let later = Self.t0.addingTimeInterval(120)
        let again = try #require(try store.claim(train: "2.6.0", kind: .build, runner: "r2", lease: 60, at: later))
        #expect(again.id == build.id)
        // The expired claim and the new one: one more revision.
        #expect(try store.train("2.6.0").revision == revision + 2)
        #expect(throws: StoreError.rejected(.buildNotStaged(member: "torchvision", rc: 1))) {
            try store.report(work: again.id, passed: true, log: nil, runner: "r2", at: later)
        }
        // The refused report kept the claim.
        #expect(try store.claims(train: "2.6.0").map(\.id) == [build.id])
        try store.report(work: again.id, passed: false, log: "https://ci.example.org/b", runner: "r2", at: later)
        #expect(try store.claims(train: "2.6.0").isEmpty)
        #expect(try store.claim(train: "2.6.0", runner: "r2", lease: 60, at: later) == nil)
        let retry = try #require(
            try store.claim(train: "2.6.0", package: "torchvision", runner: "r2", lease: 60, at: later))
        #expect(retry.kind == .build)
        #expect(retry.attempt == 2)
        try store.execute(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            on: "2.6.0", by: .person("team"), at: later)
        try store.report(work: retry.id, passed: true, log: nil, runner: "r2", at: later)
        // Built: its test is the next work.
        let test = try #require(try store.claim(train: "2.6.0", runner: "r2", lease: 60, at: later))
        #expect(test.id == "2.6.0:test:torchvision:rc1")
        #expect(try store.verify().isEmpty)
    }

    @Test("claims, heartbeats, expiry and attempts are events: db verify rebuilds them, and finds a claim lost")
    func verifyRebuildsClaims() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try Self.companionsWithBuild(store)
        let first = try #require(try store.claim(train: "2.6.0", runner: "r1", lease: 60, at: Self.t0))
        try store.heartbeat(work: first.id, runner: "r1", lease: 120, at: Self.t0.addingTimeInterval(30))
        // The lease runs out; another runner's claim returns the test first and takes it.
        let later = Self.t0.addingTimeInterval(300)
        let second = try #require(try store.claim(train: "2.6.0", runner: "r2", lease: 600, at: later))
        #expect(second.id == first.id && second.attempt == 2)
        let log = try store.events("2.6.0").map(\.event)
        #expect(log.contains(.leaseExpired(work: first.id)))
        #expect(log.contains(.testAbandoned(member: "torchvision")))
        #expect(try store.claims(train: "2.6.0") == [second])
        #expect(try store.verify().isEmpty)
        // A claim that the rows lost but the log holds is a difference verify names.
        try rawSQL(fixture.path, "UPDATE train SET state = json_remove(state, '$.claims')")
        #expect(
            try Store(path: fixture.path).verify().contains(
                "train 2.6.0: the state rebuilt from the event log differs from the stored state"))
    }
}
