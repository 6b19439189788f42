import Foundation
import GRDB
import GRDBSQLite

extension Store {
    /// Whether the database file this store opened is still the one at its path: false once it
    /// was removed, or another file was moved into its place, while this process had it open.
    /// One `stat` of the path against the file's identity at opening: cheap enough for `/health`.
    package func isInPlace() -> Bool {
        guard let path, let opened = fileIdentity else { return true }
        return Self.identity(of: path) == opened
    }

    /// The device and inode of the file at `path`, or nil when there is none.
    static func identity(of path: String) -> FileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Refuses a write on a file that is no longer at the store's path: it would be acknowledged,
    /// then lost with the unlinked file. Asked of SQLite itself (`SQLITE_FCNTL_HAS_MOVED` compares
    /// the file the writing connection has open with what the path names now), inside the write
    /// transaction.
    func ensureInPlace(_ db: Database) throws {
        guard let path, try Self.hasMoved(db) else { return }
        throw StoreError.databaseMoved(path: path)
    }

    private static func hasMoved(_ db: Database) throws -> Bool {
        var moved: Int32 = 0
        let status = sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_HAS_MOVED, &moved)
        guard status == SQLITE_OK else {
            throw StoreError.database("cannot ask SQLite whether the database file moved (code \(status))")
        }
        return moved != 0
    }
}

/// Which file a path named: its device and inode.
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
}
