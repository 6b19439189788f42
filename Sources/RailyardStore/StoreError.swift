import RailyardCore

/// Why the store refused or failed a request.
package enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, message: String)
    /// No database file at the path, and creating one was not asked for (`--init`).
    case missingDatabase(path: String)
    /// The database file is gone but its write-ahead log is still there.
    case orphanedLog(path: String)
    /// The database file was removed or replaced while this process had it open.
    case databaseMoved(path: String)
    /// The database was written by a newer Railyard: it has migrations this binary does not know.
    case newerSchema([String])
    case unknownTrain(String)
    case trainExists(String)
    /// The command expected another revision: someone else changed the train first.
    case staleRevision(expected: Int, actual: Int)
    /// The train's rules refused the command.
    case rejected(TrainRejection)
    /// The idempotency key was already used, by the same caller, for another request
    /// (`earlier` says which).
    case idempotencyConflict(key: String, earlier: String)
    /// An idempotency key that is empty or longer than `IdempotencyKey.maxLength` characters.
    case invalidIdempotencyKey(length: Int)
    /// A claim or heartbeat asked for a lease outside `Train.leaseSeconds`.
    case invalidLease(seconds: Double)
    case backupExists(String)
    case tokenExists(String)
    case unknownToken(String)
    case unknownDelivery(String)
    /// Another process held the database longer than the busy timeout.
    case busy
    case database(String)

    /// A machine-readable code.
    package var code: String {
        switch self {
        case .cannotOpen: "cannot-open-database"
        case .missingDatabase: "no-database"
        case .orphanedLog: "orphaned-write-ahead-log"
        case .databaseMoved: "database-moved"
        case .newerSchema: "newer-schema"
        case .unknownTrain: "unknown-train"
        case .trainExists: "train-exists"
        case .staleRevision: "stale-revision"
        case .rejected(let rejection): rejection.code
        case .idempotencyConflict: "idempotency-conflict"
        case .invalidLease: "invalid-lease"
        case .invalidIdempotencyKey: "invalid-idempotency-key"
        case .backupExists: "backup-exists"
        case .tokenExists: "token-exists"
        case .unknownToken: "unknown-token"
        case .unknownDelivery: "unknown-delivery"
        case .busy: "busy"
        case .database: "database-error"
        }
    }

    package var description: String {
        switch self {
        case .cannotOpen(let path, let message):
            "cannot open the database \(path): \(message)"
        case .missingDatabase(let path):
            "no database at \(path): create one with `railyard db init --db \(path)` (or add --init), or point --db or RAILYARD_DB at the existing file"
        case .orphanedLog(let path):
            "\(path) is missing but its write-ahead log \(path)-wal is there, so the database was removed, perhaps while a server had it open; restore the file (or a backup from `railyard db backup`) before starting again, since a new database would discard the commits the log holds"
        case .databaseMoved(let path):
            "the database file \(path) was removed or replaced while this process had it open, so nothing was written; stop this process, put the database back at \(path) (or restore a backup), and start it again"
        case .newerSchema(let migrations):
            "the database was written by a newer railyard (unknown migrations: \(migrations.joined(separator: ", "))); upgrade railyard"
        case .unknownTrain(let version):
            "no train \(version)"
        case .trainExists(let version):
            "a train \(version) already exists"
        case .staleRevision(let expected, let actual):
            "the train is at revision \(actual), not \(expected): someone changed it first; read it again and retry"
        case .rejected(let rejection):
            rejection.description
        case .idempotencyConflict(let key, let earlier):
            "the idempotency key \(key) was already used for another request (\(earlier)); send this request with a new key"
        case .invalidIdempotencyKey(let length):
            "an idempotency key is 1 to \(IdempotencyKey.maxLength) characters, not \(length); use a shorter one, such as a UUID"
        case .invalidLease(let seconds):
            "a lease of \(seconds.magnitude < 1e15 ? String(Int(seconds)) : String(seconds)) s is outside \(Train.leaseSeconds.lowerBound) to \(Train.leaseSeconds.upperBound) seconds (a day); ask for a shorter lease and heartbeat before it runs out"
        case .backupExists(let path):
            "\(path) already exists; back up to a new file"
        case .tokenExists(let name):
            "a token named \(name) already exists; revoke it or choose another name"
        case .unknownToken(let name):
            "no active token named \(name)"
        case .unknownDelivery(let id):
            "no notification delivery \(id) (see railyard notify list)"
        case .busy:
            "the database stayed busy; try again"
        case .database(let message):
            "database error: \(message)"
        }
    }
}
