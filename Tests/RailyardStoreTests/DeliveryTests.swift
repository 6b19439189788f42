import Foundation
import RailyardCore
import RailyardMigrations
import RailyardStore
import RailyardYAML
import Testing

@Suite("Store: notification deliveries, one per recipient, leased, retried, dead-lettered, re-driven")
struct DeliveryTests {
    /// A train in companions: its commands have written notifications for alice and team.
    static func companions(_ store: Store) throws {
        try store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        for command in [TrainCommand.registerRC(number: 1, artifacts: .rc("linux-64")), .advance, .advance] {
            try store.execute(command, on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start)
        }
    }

    @Test("each notice is written with one delivery per recipient, in the command's transaction")
    func written() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        try Self.companions(fixture.store)
        let deliveries = try fixture.store.deliveries()
        // RC: alice + a digest to team; two stage changes: the same; the companion's request: team.
        #expect(deliveries.count == 7)
        #expect(Set(deliveries.map(\.recipient)) == ["alice", "team"])
        #expect(deliveries.allSatisfy { $0.state == .pending && $0.attempts == 0 })
        let request = try #require(deliveries.first { $0.kind == "request" })
        #expect(request.id == request.message + "/team")
        #expect(request.payload["member"] == "torchvision")
        // A refused command writes none.
        #expect(throws: StoreError.self) {
            try fixture.store.execute(.advance, on: "2.6.0", by: .person("team"), at: StoreFixture.start)
        }
        #expect(try fixture.store.deliveries().count == 7)
    }

    @Test("taking leases a delivery; failures back off, then dead-letter; retry re-drives")
    func lifecycle() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try Self.companions(store)
        let now = StoreFixture.start.addingTimeInterval(10)
        let taken = try store.takeDueDeliveries(at: now, limit: 3, lease: 60)
        #expect(taken.count == 3 && taken.allSatisfy { $0.attempts == 1 })
        // Leased: another deliverer does not take the same ones meanwhile.
        let others = try store.takeDueDeliveries(at: now, limit: 100, lease: 60)
        #expect(others.count == 4 && Set(others.map(\.id)).isDisjoint(with: taken.map(\.id)))
        #expect(try store.takeDueDeliveries(at: now.addingTimeInterval(59), limit: 100, lease: 60).isEmpty)

        try store.markSent(taken[0].id, attempt: 1, route: "alice@example.org", at: now)
        try store.markFailed(taken[1].id, attempt: 1, route: "x", error: "503", retryAt: now.addingTimeInterval(30))
        try store.markFailed(taken[2].id, attempt: 1, route: "x", error: "gone", retryAt: nil)
        // A stale outcome (an attempt that is no longer the latest) changes nothing.
        try store.markFailed(taken[0].id, attempt: 0, route: "x", error: "late", retryAt: nil)
        #expect(try store.delivery(taken[0].id).state == .sent)
        #expect(try store.delivery(taken[0].id).route == "alice@example.org")
        let retrying = try store.delivery(taken[1].id)
        #expect(retrying.state == .pending && retrying.lastError == "503")
        #expect(retrying.nextAttemptAt == now.addingTimeInterval(30))
        #expect(try store.delivery(taken[2].id).state == .dead)
        #expect(try store.deliveryCounts() == [.sent: 1, .pending: 5, .dead: 1])

        // Past the leases: the four others (never reported: their deliverer died) and the retry are due.
        let due = try store.takeDueDeliveries(at: now.addingTimeInterval(61), limit: 100, lease: 60)
        #expect(Set(due.map(\.id)) == Set(others.map(\.id) + [taken[1].id]))
        #expect(due.first { $0.id == taken[1].id }?.attempts == 2)

        #expect(try store.retryDeliveries([], at: now) == [taken[2].id])
        let redriven = try store.delivery(taken[2].id)
        #expect(redriven.state == .pending && redriven.attempts == 0)
        #expect(throws: StoreError.unknownDelivery("nope")) { try store.retryDeliveries(["nope"], at: now) }
        #expect(throws: StoreError.unknownDelivery("nope")) { try store.delivery("nope") }
        #expect(try store.deliveries(state: .sent).map(\.id) == [taken[0].id])
        #expect(try store.deliveries(train: "9.9.9").isEmpty)
    }

    @Test("upgrading from schema 4 gives every pending outbox message a delivery per recipient")
    func upgradeBackfills() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-upgrade-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        try olderDatabase(
            path, migrations: 4,
            rows: """
                INSERT INTO train VALUES ('2.6.0', 'companions', 1, '{}', 0);
                INSERT INTO outbox (id, train, revision, kind, recipients, payload, created_at, next_attempt_at)
                    VALUES ('2.6.0/3/0/stage', '2.6.0', 3, 'stage', '["alice","bob"]', '{"train":"2.6.0"}', 5, 5);
                INSERT INTO outbox (id, train, revision, kind, recipients, payload, created_at, next_attempt_at, state)
                    VALUES ('2.6.0/2/0/rc', '2.6.0', 2, 'rc', '["alice"]', '{"train":"2.6.0"}', 4, 4, 'sent');
                """)
        let store = try Store(path: path)
        #expect(try store.appliedMigrations() == Migrations.all.map(\.id))
        let deliveries = try store.deliveries()
        #expect(Set(deliveries.map(\.id)) == ["2.6.0/3/0/stage/alice", "2.6.0/3/0/stage/bob"])
        #expect(deliveries.allSatisfy { $0.state == .pending && $0.kind == "stage" })
    }

    @Test("40 members, a failing parent with 10 children: the blocked-by notice goes to the parent's maintainers only")
    func failingParent() throws {
        var packages = ["  pytorch: {version: 2.5.1, maintainers: [rm]}"]
        var contacts = ["  rm: {email: rm@example.org}", "  base-team: {email: base@example.org}"]
        packages.append("  base: {version: 1.0.0, depends: [\"pytorch >=2,<3\"], maintainers: [base-team]}")
        for index in 1...10 {
            packages.append(
                "  child\(index): {version: 1.0.0, depends: [\"base >=1,<2\", \"pytorch >=2,<3\"], maintainers: [child\(index)-team]}"
            )
            contacts.append("  child\(index)-team: {email: child\(index)@example.org}")
        }
        for index in 1...29 {
            packages.append(
                "  other\(index): {version: 1.0.0, depends: [\"pytorch >=2,<3\"], maintainers: [other\(index)-team]}")
            contacts.append("  other\(index)-team: {email: other\(index)@example.org}")
        }
        let text = """
            distribution: pytorch
            channel: pytorch
            core: pytorch
            release_managers: [rm]
            contacts:
            \(contacts.joined(separator: "\n"))
            packages:
            \(packages.joined(separator: "\n"))
            """
        let catalog = try CatalogFile.parse(text, path: "forty.yml")
        let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
        let rm = Actor.person("rm")
        let train = try Train.create(plan: plan, catalog: catalog, by: rm, at: StoreFixture.start)
        #expect(train.members.count == 40)
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.create(train, by: rm, at: StoreFixture.start)
        for command in [TrainCommand.registerRC(number: 1, artifacts: .rc("linux-64")), .advance, .advance, .advance] {
            try store.execute(command, on: "2.6.0", by: rm, at: StoreFixture.start)
        }
        #expect(try store.train("2.6.0").stage == .downstream)
        let before = Set(try store.deliveries().map(\.id))
        let runner = Actor.runner("ci-1")
        try store.execute(.startTest(member: "base"), on: "2.6.0", by: runner, at: StoreFixture.start)
        try store.execute(
            .reportTest(member: "base", rc: 1, passed: false, log: "https://ci.example.org/base/1"), on: "2.6.0",
            by: runner, at: StoreFixture.start)
        let after = try store.deliveries().filter { !before.contains($0.id) }
        #expect(after.map(\.recipient) == ["base-team"])
        #expect(after.first?.kind == "blocked")
        #expect(after.first?.payload["log"] == "https://ci.example.org/base/1")
        // The children wait for their parent: blocked by it, but their maintainers are not told.
        let children = try store.train("2.6.0").members.filter { $0.name.hasPrefix("child") }
        #expect(children.count == 10)
        #expect(after.allSatisfy { !$0.recipient.hasPrefix("child") })
    }
}
