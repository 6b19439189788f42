import Crypto
import Foundation
import GRDB
import RailyardCore

/// An API token: a name (the actor the event log records) and a role (what kind of request it
/// may make: the core's `Role`). Which packages a maintainer acts on is the catalog's to say.
package struct TokenRecord: Sendable, Equatable {
    package typealias Role = RailyardCore.Role

    package var name: String
    package var role: Role
    package var createdAt: Date
    package var expiresAt: Date?
    package var revokedAt: Date?

    package init(
        name: String, role: Role, createdAt: Date, expiresAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may be used at `time`.
    package func isValid(at time: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { time < $0 } ?? true)
    }

    /// The actor commands made with this token are recorded as.
    package var actor: Actor { role.actor(named: name) }
}

extension Store {
    /// Creates a token and returns its secret, which is shown once: only its hash is kept. A
    /// revoked token's name can be given again (the name is the actor the log records).
    package func createToken(
        name: String, role: TokenRecord.Role, expiresAt: Date? = nil, at time: Date
    ) throws(StoreError) -> (secret: String, token: TokenRecord) {
        let secret = Self.newSecret()
        let token = TokenRecord(
            name: name, role: role, createdAt: Self.storable(time), expiresAt: expiresAt, revokedAt: nil)
        try write { db in
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM token WHERE name = ? AND revoked_at IS NULL", arguments: [name]) == true
            {
                throw StoreError.tokenExists(name)
            }
            try db.execute(sql: "DELETE FROM token WHERE name = ?", arguments: [name])
            try db.execute(
                sql: """
                    INSERT INTO token (name, role, secret_hash, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    name, role.rawValue, Self.hash(secret), token.createdAt.timeIntervalSince1970,
                    expiresAt?.timeIntervalSince1970,
                ])
        }
        return (secret, token)
    }

    /// Gives an active token a new secret (shown once) and, when given, a new expiry; the old
    /// secret stops working at once. Its role stays.
    package func rotateToken(name: String, expiresAt: Date?, at time: Date) throws(StoreError) -> String {
        let secret = Self.newSecret()
        try write { db in
            try db.execute(
                sql: """
                    UPDATE token SET secret_hash = ?, created_at = ?, expires_at = COALESCE(?, expires_at)
                    WHERE name = ? AND revoked_at IS NULL
                    """,
                arguments: [
                    Self.hash(secret), Self.storable(time).timeIntervalSince1970, expiresAt?.timeIntervalSince1970,
                    name,
                ])
            if db.changesCount == 0 { throw StoreError.unknownToken(name) }
        }
        return secret
    }

    /// `ry_` and 32 random bytes in hex.
    private static func newSecret() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return "ry_" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Every token (never a secret).
    package func tokens() throws(StoreError) -> [TokenRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, role, created_at, expires_at, revoked_at FROM token ORDER BY name"
            ).map(Self.token)
        }
    }

    /// Revokes a token at once; it is kept, revoked, for the record.
    package func revokeToken(name: String, at time: Date) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE token SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                arguments: [time.timeIntervalSince1970, name])
            if db.changesCount == 0 { throw StoreError.unknownToken(name) }
        }
    }

    /// The token a secret belongs to, when it is valid at `time`.
    package func authenticate(secret: String, at time: Date) throws(StoreError) -> TokenRecord? {
        let token = try read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT name, role, created_at, expires_at, revoked_at FROM token WHERE secret_hash = ?",
                arguments: [Self.hash(secret)]
            ).map(Self.token)
        }
        guard let token, token.isValid(at: time) else { return nil }
        return token
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private static func token(_ row: Row) throws -> TokenRecord {
        TokenRecord(
            name: row["name"], role: TokenRecord.Role(rawValue: row["role"]) ?? .readOnly,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    // MARK: - What the server watches and counts

    /// Every train's revision, in one query (what long-polls wait on).
    package func revisions() throws(StoreError) -> [String: Int] {
        try read { db in
            var result: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT train, MAX(revision) AS revision FROM event GROUP BY train") {
                result[row["train"]] = row["revision"]
            }
            return result
        }
    }

    /// Counts for the metrics: trains by stage, members by state (of trains not yet done),
    /// notifications waiting, claims held.
    package func gauges() throws(StoreError) -> (
        trains: [String: Int], members: [String: Int], outbox: Int, leases: Int
    ) {
        try read { db in
            var trains: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT stage, COUNT(*) AS n FROM train GROUP BY stage") {
                trains[row["stage"]] = row["n"]
            }
            var members: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT member.state, COUNT(*) AS n FROM member JOIN train ON train.version = member.train
                    WHERE train.stage NOT IN ('released', 'aborted') GROUP BY member.state
                    """)
            {
                members[row["state"]] = row["n"]
            }
            let outbox = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE state = 'pending'") ?? 0
            // The claims are the active trains' own state.
            let leases =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(json_array_length(state, '$.claims')), 0) FROM train
                        WHERE stage NOT IN ('released', 'aborted')
                        """) ?? 0
            return (trains, members, outbox, leases)
        }
    }
}
