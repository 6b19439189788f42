import Foundation
import GRDB
import RailyardCore

/// One change of `main` in the channel's own audit log: who made it, when, why, and what it was.
package struct ChannelLogEntry: Sendable, Equatable, Codable {
    /// What the channel's journal called the change while it was in flight.
    package var change: String
    package var at: Date
    package var actor: String
    /// `revoke`.
    package var action: String
    package var fromGeneration: Int
    package var toGeneration: Int
    package var reason: String
    /// What changed: the files, and what the solver said.
    package var detail: JSONValue

    package init(
        change: String, at: Date, actor: String, action: String, fromGeneration: Int, toGeneration: Int,
        reason: String, detail: JSONValue
    ) {
        self.change = change
        self.at = at
        self.actor = actor
        self.action = action
        self.fromGeneration = fromGeneration
        self.toGeneration = toGeneration
        self.reason = reason
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case change, at, actor, action, reason, detail
        case fromGeneration = "from_generation"
        case toGeneration = "to_generation"
    }
}

extension Store {
    /// Records a change of `main` in the channel's log: the commit of that change (a crash after
    /// it rolls the change forward, before it back).
    package func recordChannelChange(_ entry: ChannelLogEntry) throws(StoreError) {
        try write { db in
            let detail = String(decoding: try JSONEncoder().encode(entry.detail), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO channel_log (change, at, actor, action, from_generation, to_generation, reason, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.change, entry.at.timeIntervalSince1970, entry.actor, entry.action, entry.fromGeneration,
                    entry.toGeneration, entry.reason, detail,
                ])
        }
    }

    /// Whether the change the channel's journal calls `change` was recorded.
    package func channelChangeRecorded(_ change: String) throws(StoreError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM channel_log WHERE change = ?", arguments: [change]) ?? false
        }
    }

    /// The channel's log, oldest first.
    package func channelLog() throws(StoreError) -> [ChannelLogEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT change, at, actor, action, from_generation, to_generation, reason, detail
                    FROM channel_log ORDER BY id
                    """
            ).map { row in
                ChannelLogEntry(
                    change: row["change"], at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"],
                    action: row["action"], fromGeneration: row["from_generation"], toGeneration: row["to_generation"],
                    reason: row["reason"],
                    detail: try JSONDecoder().decode(JSONValue.self, from: Data((row["detail"] as String).utf8)))
            }
        }
    }
}
