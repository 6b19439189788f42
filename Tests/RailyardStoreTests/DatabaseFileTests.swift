import Foundation
import RailyardCore
import RailyardStore
import Testing

/// The database file itself: created only when asked, and a file removed or replaced under an
/// open store takes no more writes (issue 16, defect 7).
@Suite("Store: the database file is created only on request, and never written once it moved")
struct DatabaseFileTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-file-\(UUID().uuidString)")
    var path: String {
        directory.appendingPathComponent("db", isDirectory: true).appendingPathComponent("r.sqlite").path
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    @Test("a missing file is refused without creating: nothing appears, not even its folder")
    func missingIsRefused() throws {
        defer { remove() }
        #expect(throws: StoreError.missingDatabase(path: path)) { try Store(path: path) }
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        let created = try Store(path: path, creating: true)
        #expect(created.isInPlace())
        #expect(FileManager.default.fileExists(atPath: path))
        // Once there, it opens without asking to create.
        _ = try Store(path: path)
    }

    @Test("a write after the file was removed is refused, and what was acknowledged before is in the file")
    func removedWhileOpen() throws {
        defer { remove() }
        let store = try Store(path: path, creating: true)
        _ = try store.createToken(name: "alice", role: .releaseManager, at: Date())
        let aside = directory.appendingPathComponent("aside.sqlite").path
        try FileManager.default.moveItem(atPath: path, toPath: aside)
        #expect(!store.isInPlace())
        #expect(throws: StoreError.databaseMoved(path: path)) {
            _ = try store.createToken(name: "bob", role: .ci, at: Date())
        }
        // Put back, the file is the one the store has open, and it holds alice only.
        try FileManager.default.moveItem(atPath: aside, toPath: path)
        #expect(store.isInPlace())
        #expect(try store.tokens().map(\.name) == ["alice"])
        _ = try store.createToken(name: "bob", role: .ci, at: Date())
        #expect(try Store(path: path).tokens().map(\.name).sorted() == ["alice", "bob"])
    }

    @Test("a write after another file was moved into its place is refused; the other file is untouched")
    func replacedWhileOpen() throws {
        defer { remove() }
        let store = try Store(path: path, creating: true)
        let otherPath = directory.appendingPathComponent("other.sqlite").path
        _ = try Store(path: otherPath, creating: true).createToken(name: "carol", role: .ci, at: Date())
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: otherPath, toPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(!store.isInPlace())
        #expect(throws: StoreError.databaseMoved(path: path)) {
            _ = try store.createToken(name: "alice", role: .releaseManager, at: Date())
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("a write-ahead log without its database is refused even with creating, and left as it was")
    func orphanedLog() throws {
        defer { remove() }
        let store = try Store(path: path, creating: true)
        _ = try store.createToken(name: "alice", role: .releaseManager, at: Date())
        // The open store keeps its WAL; the main file goes, as `rm railyard.sqlite` would do.
        try FileManager.default.removeItem(atPath: path)
        let log = try Data(contentsOf: URL(fileURLWithPath: path + "-wal"))
        #expect(!log.isEmpty)
        #expect(throws: StoreError.orphanedLog(path: path)) { try Store(path: path, creating: true) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + "-wal")) == log)
        withExtendedLifetime(store) {}
    }
}
