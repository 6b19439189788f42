import Foundation
import RailyardCore
import RailyardMigrations
import RailyardStore
import RailyardYAML
import Testing

/// A store on a real SQLite file in a scratch folder, and a train created in it.
struct StoreFixture {
    static let catalogText = """
        distribution: pytorch
        channel: pytorch
        core: pytorch
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
          kornia:
            version: 0.7.3
            depends: ["pytorch >=1.9.1,<2.6"]
            maintainers: [team]
          captum:
            version: 0.7.0
            depends: ["pytorch >=1.6,<3"]
            maintainers: [team]
        """

    static let alice = Actor.person("alice")
    static let start = Date(timeIntervalSince1970: 1_750_000_000)

    let directory: URL
    let path: String
    let store: Store

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-store-\(UUID().uuidString)")
        path = directory.appendingPathComponent("railyard.sqlite").path
        store = try Store(path: path, creating: true)
    }

    static func train() throws -> Train {
        let catalog = try CatalogFile.parse(catalogText, path: "test.yml")
        let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
        return try Train.create(plan: plan, catalog: catalog, by: alice, at: start)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite("Store: trains in SQLite, one transaction per command")
struct StoreTests {
    @Test("migrating an empty database applies every file of Migrations/, in order")
    func migrations() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let files = try FileManager.default.contentsOfDirectory(
            atPath: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Migrations").path
        ).filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted()
        #expect(try fixture.store.appliedMigrations() == files)
        #expect(Migrations.all.map(\.id) == files)
    }

    @Test("a database at an older schema is upgraded in place; the claims table is gone, claims are events")
    func upgradeKeepsClaims() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-upgrade-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        // The schema as the first two migrations left it, written by another SQLite client.
        try olderDatabase(
            path, migrations: 2,
            rows: """
                    INSERT INTO train VALUES ('2.6.0', 'companions', 1, '{}', 0);
                INSERT INTO work_claim VALUES ('2.6.0:test:torchvision:rc1', '2.6.0', 'test', 'torchvision', 1, 'r1',
                    0, 4102444800, 1);
                """)
        let store = try Store(path: path)
        #expect(try store.appliedMigrations() == Migrations.all.map(\.id))
        // The table is gone: reading it fails.
        #expect(throws: (any Error).self) { try rawSQL(path, "SELECT id FROM work_claim") }
    }

    @Test("a database from a newer railyard is refused with a clear message")
    func newerSchema() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        try rawSQL(fixture.path, "INSERT INTO grdb_migrations (identifier) VALUES ('m9999_from_the_future')")
        #expect(throws: StoreError.newerSchema(["m9999_from_the_future"])) { try Store(path: fixture.path) }
    }

    @Test("create, then commands: each one transaction that appends events and moves the revision")
    func commands() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let created = try store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        #expect(created.revision == 1)
        #expect(throws: StoreError.trainExists("2.6.0")) {
            try store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        }
        let rc = try store.execute(
            .registerRC(number: 1, artifacts: .rc("linux-64")), on: "2.6.0", by: StoreFixture.alice,
            at: StoreFixture.start)
        #expect(rc.revision == 2)
        #expect(try store.train("2.6.0").rc == 1)
        #expect(throws: StoreError.rejected(.notAllowed(actor: "team", command: "advance", needs: "a release manager")))
        {
            try store.execute(.advance, on: "2.6.0", by: .person("team"), at: StoreFixture.start)
        }
        #expect(try store.train("2.6.0").revision == 2)  // a refusal changes nothing
        #expect(throws: StoreError.staleRevision(expected: 1, actual: 2)) {
            try store.execute(.advance, on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start, expectRevision: 1)
        }
        try store.execute(.advance, on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start, expectRevision: 2)
        try store.execute(.advance, on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start)
        #expect(try store.train("2.6.0").stage == .companions)
        let log = try store.events("2.6.0")
        #expect(log.first?.command == "create")
        #expect(log.map(\.revision) == log.map(\.revision).sorted())
        #expect(try store.trains().map(\.stage) == [.companions])
        // Entering companions asked torchvision's maintainers for a build: an outbox row.
        let requests = try store.pendingNotifications().filter { $0.kind == "request" }
        #expect(requests.map(\.recipients) == [["team"]])
        #expect(try store.verify().isEmpty)
        #expect(throws: StoreError.unknownTrain("9.9.9")) { try store.train("9.9.9") }
    }

    @Test("an idempotency key returns the first outcome and changes nothing")
    func idempotency() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        let rc1 = IdempotencyKey(scope: "alice", key: "rc-1", request: "rc 1", parts: ["rc", "2.6.0", "1"])
        let first = try store.execute(
            .registerRC(number: 1, artifacts: .rc("linux-64")), on: "2.6.0", by: StoreFixture.alice,
            at: StoreFixture.start,
            idempotency: rc1
        )
        let again = try store.execute(
            .registerRC(number: 1, artifacts: .rc("linux-64")), on: "2.6.0", by: StoreFixture.alice,
            at: StoreFixture.start,
            idempotency: rc1
        )
        #expect(again.replayed)
        #expect(again.revision == first.revision)
        #expect(again.events == first.events)
        #expect(try store.train("2.6.0").revision == 2)
        let advance = IdempotencyKey(scope: "alice", key: "rc-1", request: "advance", parts: ["advance", "2.6.0"])
        #expect(throws: StoreError.idempotencyConflict(key: "rc-1", earlier: "rc 1")) {
            try store.execute(
                .advance, on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start, idempotency: advance)
        }
    }

    @Test("a key is bound to its request: the same key for another member is refused, not answered with the first")
    func idempotencyBoundToRequest() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        func exclude(_ member: String, scope: String = "alice") -> IdempotencyKey {
            IdempotencyKey(scope: scope, key: "k", request: "exclude \(member)", parts: ["exclude", "2.6.0", member])
        }
        try store.execute(
            .exclude(member: "kornia", reason: "broken", cascade: false), on: "2.6.0", by: StoreFixture.alice,
            at: StoreFixture.start, idempotency: exclude("kornia"))
        #expect(throws: StoreError.idempotencyConflict(key: "k", earlier: "exclude kornia")) {
            try store.execute(
                .exclude(member: "captum", reason: "broken", cascade: false), on: "2.6.0", by: StoreFixture.alice,
                at: StoreFixture.start, idempotency: exclude("captum"))
        }
        #expect(try store.train("2.6.0").member("captum")?.state != .excluded)
        // Another caller's key of the same name is its own.
        let other = try store.execute(
            .exclude(member: "captum", reason: "broken", cascade: false), on: "2.6.0", by: StoreFixture.alice,
            at: StoreFixture.start, idempotency: exclude("captum", scope: "bob"))
        #expect(!other.replayed)
        #expect(try store.train("2.6.0").member("captum")?.state == .excluded)
        // A key beyond 200 characters is refused before anything happens.
        let long = IdempotencyKey(
            scope: "alice", key: String(repeating: "k", count: 201), request: "advance", parts: ["advance"])
        #expect(throws: StoreError.invalidIdempotencyKey(length: 201)) {
            try store.execute(.advance, on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start, idempotency: long)
        }
        #expect(try store.train("2.6.0").revision == 3)
    }

    @Test("create honours the key: a repeat answers the first outcome instead of train-exists")
    func idempotentCreate() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let key = IdempotencyKey(scope: "alice", key: "c", request: "create 2.6.0", parts: ["create", "2.6.0"])
        let first = try store.create(
            StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start, idempotency: key)
        let again = try store.create(
            StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start, idempotency: key)
        #expect(again.replayed && !first.replayed)
        #expect(again.revision == first.revision)
        #expect(throws: StoreError.trainExists("2.6.0")) {
            try store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        }
    }

    @Test("the event log is append-only, and verify finds a tampered state")
    func verifyFindsTampering() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        try fixture.store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        #expect(throws: (any Error).self) { try rawSQL(fixture.path, "DELETE FROM event") }
        try rawSQL(fixture.path, "UPDATE member SET state = 'passed' WHERE name = 'kornia'")
        try rawSQL(fixture.path, "UPDATE train SET stage = 'staged'")
        let problems = try fixture.store.verify()
        #expect(problems.contains("train 2.6.0: member kornia row differs from the event log"))
        #expect(problems.contains("train 2.6.0: stage or rc columns differ from the event log"))
    }

    @Test("a backup is a consistent copy that opens as a store")
    func backup() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        try fixture.store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        let copy = fixture.directory.appendingPathComponent("backup.sqlite").path
        try fixture.store.backup(to: copy)
        let restored = try Store(path: copy)
        #expect(try restored.train("2.6.0") == fixture.store.train("2.6.0"))
        #expect(try restored.verify().isEmpty)
        #expect(throws: StoreError.backupExists(copy)) { try fixture.store.backup(to: copy) }
    }

    @Test("a whole train through the store verifies clean")
    func wholeTrain() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        var now = StoreFixture.start
        func run(_ command: TrainCommand, _ actor: Actor = StoreFixture.alice) throws {
            now = now.addingTimeInterval(61.5)
            try store.execute(command, on: "2.6.0", by: actor, at: now)
        }
        try store.create(StoreFixture.train(), by: StoreFixture.alice, at: now)
        try run(.registerRC(number: 1, artifacts: .rc("linux-64")))
        try run(.advance)
        try run(.advance)
        try run(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            .person("team"))
        try run(.startTest(member: "torchvision"), .runner("ci"))
        try run(.reportTest(member: "torchvision", rc: 1, passed: true, log: nil), .runner("ci"))
        try run(.advance)
        try run(.exclude(member: "kornia", reason: "declined", cascade: false))
        try run(.startTest(member: "captum"), .runner("ci"))
        try run(.reportTest(member: "captum", rc: 1, passed: true, log: nil), .runner("ci"))
        try run(.advance)
        try run(.reportIntegration(rc: 1, passed: true, log: nil), .runner("ci"))
        try run(.markFinal(rc: 1))
        try run(.release)
        #expect(try store.train("2.6.0").stage == .released)
        #expect(try store.verify().isEmpty)
    }
}

/// Runs SQL on the database file directly, as a person with sqlite3 would.
/// A database as the first `migrations` migrations left it, with `rows` inserted, written by
/// another SQLite client (Python's sqlite3), for the upgrade tests.
func olderDatabase(_ path: String, migrations: Int, rows: String) throws {
    try rawSQL(
        path,
        "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);"
            + Migrations.all.prefix(migrations).map { $0.sql + "; INSERT INTO grdb_migrations VALUES ('\($0.id)');" }
            .joined() + rows,
        script: true)
}

func rawSQL(_ path: String, _ sql: String, script: Bool = false) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    let run = script ? "c.executescript(sys.argv[2])" : "c.execute(sys.argv[2])"
    process.arguments = [
        "python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \(run); c.commit()", path, sql,
    ]
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    if process.terminationStatus != 0 { throw CocoaError(.fileWriteUnknown) }
}

@Suite("Store: backup while another process writes")
struct BackupWhileWritingTests {
    @Test("a backup taken while commands keep arriving is a consistent store")
    func backupUnderWrites() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        try fixture.store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        try fixture.store.execute(
            .registerRC(number: 1, artifacts: .rc("linux-64")), on: "2.6.0", by: StoreFixture.alice,
            at: StoreFixture.start)
        try fixture.store.execute(.advance, on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start)
        try fixture.store.execute(.advance, on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start)
        // A second store on the same file, as a second process would open it, keeps writing.
        let writer = try Store(path: fixture.path)
        let writing = Task.detached {
            for index in 0..<300 {
                try writer.execute(
                    .acknowledge(member: "torchvision", eta: StoreFixture.start.addingTimeInterval(Double(index))),
                    on: "2.6.0",
                    by: .person("team"),
                    at: StoreFixture.start.addingTimeInterval(Double(index))
                )
            }
        }
        var copies: [String] = []
        for index in 0..<3 {
            let copy = fixture.directory.appendingPathComponent("backup-\(index).sqlite").path
            try fixture.store.backup(to: copy)
            copies.append(copy)
        }
        try await writing.value
        for copy in copies {
            let restored = try Store(path: copy)
            #expect(try restored.verify().isEmpty, "\(copy)")
            #expect(try restored.train("2.6.0").stage == .companions)
        }
        #expect(try fixture.store.train("2.6.0").revision == 304)
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
