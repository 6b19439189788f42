import Foundation
import RailyardCore
import RailyardMigrations
import RailyardStore
import Testing

/// A version whose train was aborted gets a new train: `2.6.0-2`, the newest answering to the
/// version alone, the aborted one kept, with its log, as `2.6.0-1`.
@Suite("Store: a new train after an abort")
struct TrainAttemptTests {
    @Test("abort, then create again: the second train is 2.6.0-2, and 2.6.0 means it")
    func newTrainAfterAbort() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let first = try StoreFixture.train()
        try store.create(first, by: StoreFixture.alice, at: StoreFixture.start)
        // While the first is active, a second is refused.
        #expect(throws: StoreError.trainExists("2.6.0")) {
            try store.create(first, by: StoreFixture.alice, at: StoreFixture.start)
        }
        try store.execute(
            .abort(reason: "a regression in RC 1"), on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start)

        let outcome = try store.create(first, by: StoreFixture.alice, at: StoreFixture.start.addingTimeInterval(60))
        #expect(outcome.train == "2.6.0-2")
        let second = try store.train("2.6.0")
        #expect(second.name == "2.6.0-2")
        #expect(second.attempt == 2)
        #expect(second.stage == .planned)
        #expect(try store.train("2.6.0-2") == second)
        // The aborted one stays, under its own name.
        let aborted = try store.train("2.6.0-1")
        #expect(aborted.stage == .aborted)
        #expect(aborted.name == "2.6.0")
        #expect(try store.events("2.6.0-1").count == 2)
        #expect(try store.trains().map(\.version).sorted() == ["2.6.0", "2.6.0-2"])

        // Commands by version reach the newest train; its events are its own.
        try store.execute(.abort(reason: "again"), on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start)
        #expect(try store.train("2.6.0-2").stage == .aborted)
        let third = try store.create(first, by: StoreFixture.alice, at: StoreFixture.start)
        #expect(third.train == "2.6.0-3")
        #expect(try store.train("2.6.0").name == "2.6.0-3")
        #expect(try store.verify().isEmpty)
    }

    @Test("a released train is not aborted: the version cannot get another train")
    func releasedVersionIsFinal() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        var released = try StoreFixture.train()
        released.stage = .released
        try fixture.store.create(released, by: StoreFixture.alice, at: StoreFixture.start)
        #expect(throws: StoreError.trainExists("2.6.0")) {
            try fixture.store.create(try StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        }
    }

    @Test("an unknown train name stays unknown, with or without an attempt")
    func unknownNames() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        try fixture.store.create(try StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        try fixture.store.execute(.abort(reason: "r"), on: "2.6.0", by: StoreFixture.alice, at: StoreFixture.start)
        try fixture.store.create(try StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        #expect(try fixture.store.train("2.6.0").name == "2.6.0-2")
        // Names are compared as text: a pattern names no train.
        for name in ["2.6.0-3", "2.7.0", "2.7.0-1", "2.6", "2*", "2.6.0*", "2.6.0-[0-9]", "2.6.0-2x"] {
            #expect(throws: StoreError.unknownTrain(name == "2.7.0-1" ? "2.7.0" : name)) {
                try fixture.store.train(name)
            }
        }
    }
}

@Suite("Store: the member table admits support members")
struct SupportMemberMigrationTests {
    @Test("upgrading past m0009 keeps each member row and admits the reason 'support', and no unknown one")
    func upgradeKeepsMembers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-m0009-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        try olderDatabase(
            path, migrations: 8,
            rows: """
                INSERT INTO train VALUES ('2.6.0', 'companions', 1, '{}', 0);
                INSERT INTO member VALUES ('2.6.0', 'torchvision', 0, 'companion', 'requested', 1, 0, '{}');
                """)
        // Before: 'support' is refused by the old CHECK.
        #expect(throws: (any Error).self) {
            try rawSQL(path, "INSERT INTO member VALUES ('2.6.0', 'pytorch-cuda', 1, 'support', 'pending', 1, 0, '{}')")
        }
        let store = try Store(path: path)
        #expect(try store.appliedMigrations() == Migrations.all.map(\.id))
        try rawSQL(path, "INSERT INTO member VALUES ('2.6.0', 'pytorch-cuda', 1, 'support', 'pending', 1, 0, '{}')")
        // The old row is still there: the same key again is refused.
        #expect(throws: (any Error).self) {
            try rawSQL(path, "INSERT INTO member VALUES ('2.6.0', 'torchvision', 2, 'companion', 'passed', 1, 0, '{}')")
        }
        #expect(throws: (any Error).self) {
            try rawSQL(path, "INSERT INTO member VALUES ('2.6.0', 'x', 3, 'sidekick', 'pending', 1, 0, '{}')")
        }
    }
}
