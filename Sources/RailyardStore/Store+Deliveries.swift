import Foundation
import GRDB
import RailyardCore

extension Store {
    /// Takes up to `limit` deliveries due at `now`, oldest first, counting an attempt for each and
    /// leasing it for `lease`: another deliverer does not take it meanwhile, and if this one dies
    /// before recording the outcome, the delivery is due again when the lease runs out (at least once).
    package func takeDueDeliveries(at now: Date, limit: Int, lease: TimeInterval) throws(StoreError) -> [Delivery] {
        try write { db in
            let due = try Self.deliveries(
                db,
                where: "delivery.state = 'pending' AND delivery.next_attempt_at <= ?",
                order: "delivery.next_attempt_at, delivery.id",
                arguments: [now.timeIntervalSince1970],
                limit: limit
            )
            let until = now.addingTimeInterval(lease).timeIntervalSince1970
            return try due.map { delivery in
                try db.cachedStatement(
                    sql: "UPDATE delivery SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?"
                ).execute(arguments: [until, delivery.id])
                var taken = delivery
                taken.attempts += 1
                taken.nextAttemptAt = Date(timeIntervalSince1970: until)
                return taken
            }
        }
    }

    /// Records that attempt `attempt` of `id` reached `route`.
    package func markSent(_ id: String, attempt: Int, route: String, at time: Date) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE delivery SET state = 'sent', sent_at = ?, route = ?, last_error = NULL
                    WHERE id = ? AND state = 'pending'
                    """,
                arguments: [time.timeIntervalSince1970, route, id]
            )
        }
    }

    /// Records that attempt `attempt` of `id` failed: due again at `retryAt`, or dead-lettered
    /// when it is nil. An outcome for an attempt that is no longer the latest changes nothing.
    package func markFailed(_ id: String, attempt: Int, route: String?, error: String, retryAt: Date?)
        throws(StoreError)
    {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE delivery SET state = ?, next_attempt_at = COALESCE(?, next_attempt_at), route = ?,
                        last_error = ?
                    WHERE id = ? AND state = 'pending' AND attempts = ?
                    """,
                arguments: [
                    retryAt == nil ? "dead" : "pending", retryAt?.timeIntervalSince1970, route, error, id, attempt,
                ]
            )
        }
    }

    /// Deliveries, newest first: in `state`, of `train`.
    package func deliveries(state: Delivery.State? = nil, train: String? = nil, limit: Int = 200) throws(StoreError)
        -> [Delivery]
    {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let state {
            conditions.append("delivery.state = ?")
            arguments.append(state.rawValue)
        }
        if let train {
            conditions.append("outbox.train = ?")
            arguments.append(train)
        }
        return try read { db in
            try Self.deliveries(
                db,
                where: conditions.isEmpty ? "1" : conditions.joined(separator: " AND "),
                order: "outbox.created_at DESC, delivery.id DESC",
                arguments: StatementArguments(arguments),
                limit: limit
            )
        }
    }

    /// One delivery.
    package func delivery(_ id: String) throws(StoreError) -> Delivery {
        let found = try read { db in
            try Self.deliveries(db, where: "delivery.id = ?", order: "delivery.id", arguments: [id], limit: 1)
        }
        guard let delivery = found.first else { throw StoreError.unknownDelivery(id) }
        return delivery
    }

    /// Makes deliveries due again at `now` with a fresh count of attempts: the ones named, or
    /// every dead one when `ids` is empty. Returns the ids re-driven; a sent delivery is sent again
    /// only when named (receivers dedupe on its id).
    package func retryDeliveries(_ ids: [String], at now: Date) throws(StoreError) -> [String] {
        try write { db in
            if ids.isEmpty {
                let dead = try String.fetchAll(db, sql: "SELECT id FROM delivery WHERE state = 'dead' ORDER BY id")
                try db.execute(
                    sql:
                        "UPDATE delivery SET state = 'pending', attempts = 0, next_attempt_at = ? WHERE state = 'dead'",
                    arguments: [now.timeIntervalSince1970]
                )
                return dead
            }
            for id in ids {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM delivery WHERE id = ?", arguments: [id]) != nil else {
                    throw StoreError.unknownDelivery(id)
                }
                try db.execute(
                    sql: """
                        UPDATE delivery SET state = 'pending', attempts = 0, next_attempt_at = ?, sent_at = NULL
                        WHERE id = ?
                        """,
                    arguments: [now.timeIntervalSince1970, id]
                )
            }
            return ids
        }
    }

    /// How many deliveries are in each state.
    package func deliveryCounts() throws(StoreError) -> [Delivery.State: Int] {
        try read { db in
            var counts: [Delivery.State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM delivery GROUP BY state") {
                if let state = Delivery.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    private static func deliveries(
        _ db: Database, where condition: String, order: String, arguments: StatementArguments, limit: Int
    ) throws -> [Delivery] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT delivery.id, delivery.message, outbox.train, outbox.revision, outbox.kind, delivery.recipient,
                    outbox.payload, outbox.created_at, delivery.state, delivery.attempts, delivery.next_attempt_at,
                    delivery.route, delivery.last_error, delivery.sent_at
                FROM delivery JOIN outbox ON outbox.id = delivery.message
                WHERE \(condition) ORDER BY \(order) LIMIT \(max(limit, 0))
                """,
            arguments: arguments
        ).map { row in
            Delivery(
                id: row["id"],
                message: row["message"],
                train: row["train"],
                revision: row["revision"],
                kind: row["kind"],
                recipient: row["recipient"],
                payload: try JSONDecoder().decode([String: String].self, from: Data((row["payload"] as String).utf8)),
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                state: Delivery.State(rawValue: row["state"]) ?? .pending,
                attempts: row["attempts"],
                nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
                route: row["route"],
                lastError: row["last_error"],
                sentAt: (row["sent_at"] as Double?).map(Date.init(timeIntervalSince1970:))
            )
        }
    }
}
