import Foundation
import GRDB
import RailyardCore

/// A piece of CI work a runner holds under a lease.
package struct WorkItem: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable, CaseIterable {
        /// Build a companion or C++/CUDA member against the current RC, then stage it.
        case build
        /// Test one member against the current RC.
        case test
        /// Run every member of the staged train together.
        case integration
    }

    package var id: String
    package var train: String
    package var kind: Kind
    package var package: String?
    package var rc: Int
    package var runner: String
    package var leaseUntil: Date
    /// Which attempt against this RC this is.
    package var attempt: Int
}

extension Store {
    /// Hands the next piece of work to `runner` under a lease, or nil when there is none.
    ///
    /// Work is derived from the train's state (the core's `buildWork`, `testWork` and
    /// `integrationWork`): builds first, as they unblock the most, then tests, then the
    /// all-together run of a staged train. Claims whose lease ran out are returned to the queue
    /// first. Claiming a build changes nothing in the train; the build counts once its artifact
    /// is staged.
    ///
    /// `lease` is refused outside `Train.leaseSeconds`. A repeat of the request under
    /// `idempotency` returns the item first handed out (or nil, if there was none) and claims
    /// nothing more.
    package func claim(
        train version: String,
        kind: WorkItem.Kind? = nil,
        package wanted: String? = nil,
        runner: String,
        lease: TimeInterval,
        at time: Date,
        idempotency: IdempotencyKey? = nil
    ) throws(StoreError) -> WorkItem? {
        guard Train.isValidLease(lease) else { throw StoreError.invalidLease(seconds: lease) }
        let time = Self.storable(time)
        return try write { db in
            try Self.once(db, idempotency, at: time) {
                try Self.claim(db, train: version, kind: kind, package: wanted, runner: runner, lease: lease, at: time)
            }.answer
        }
    }

    private static func claim(
        _ db: Database, train version: String, kind: WorkItem.Kind?, package wanted: String?, runner: String,
        lease: TimeInterval, at time: Date
    ) throws -> WorkItem? {
        try Self.expireClaims(db, train: version, at: time)
        let train = try Self.load(db, version)
        guard let rc = train.rc, !train.stage.isTerminal else { return nil }
        let held = Set(
            try String.fetchAll(db, sql: "SELECT id FROM work_claim WHERE train = ?", arguments: [version])
        )
        let until = time.addingTimeInterval(lease)
        if kind == nil || kind == .build {
            for name in train.buildWork(retrying: wanted) {
                let id = "\(version):build:\(name):rc\(rc)"
                guard !held.contains(id) else { continue }
                let failed = train.member(name)?.buildFailure.flatMap { $0.rc == rc ? $0.attempts : nil } ?? 0
                let item = WorkItem(
                    id: id, train: version, kind: .build, package: name, rc: rc, runner: runner,
                    leaseUntil: until, attempt: failed + 1
                )
                try Self.insert(db, item, at: time)
                return item
            }
        }
        if kind == nil || kind == .test {
            for name in train.testWork(retrying: wanted, by: .runner(runner), at: time) {
                let id = "\(version):test:\(name):rc\(rc)"
                guard !held.contains(id) else { continue }
                let (_, started) = try Self.execute(
                    db, .startTest(member: name), on: version, by: .runner(runner), at: time)
                let item = WorkItem(
                    id: id, train: version, kind: .test, package: name, rc: rc, runner: runner,
                    leaseUntil: until, attempt: started?.member(name)?.attempts ?? 1
                )
                try Self.insert(db, item, at: time)
                return item
            }
        }
        if kind != .test, wanted == nil, let integrationRC = train.integrationWork {
            let id = "\(version):integration:rc\(integrationRC)"
            guard !held.contains(id) else { return nil }
            let item = WorkItem(
                id: id, train: version, kind: .integration, package: nil, rc: integrationRC, runner: runner,
                leaseUntil: until, attempt: 1
            )
            try Self.insert(db, item, at: time)
            return item
        }
        return nil
    }

    /// Records the result of a claimed piece of work; a result against a stale RC is refused. A
    /// repeat of the request under `idempotency` returns the first outcome.
    @discardableResult
    package func report(
        work id: String,
        passed: Bool,
        log: String?,
        runner: String,
        at time: Date,
        idempotency: IdempotencyKey? = nil
    ) throws(StoreError) -> CommandOutcome {
        let time = Self.storable(time)
        return try write { db in
            try Self.once(db, idempotency, at: time, replayed: { $0.replayed = true }) {
                try Self.report(db, work: id, passed: passed, log: log, runner: runner, at: time)
            }.answer
        }
    }

    private static func report(
        _ db: Database, work id: String, passed: Bool, log: String?, runner: String, at time: Date
    ) throws -> CommandOutcome {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT train, kind, package, rc, runner FROM work_claim WHERE id = ?",
                arguments: [id]
            )
        else { throw StoreError.unknownWork(id) }
        let version: String = row["train"]
        let rc: Int = row["rc"]
        let holder: String = row["runner"]
        guard holder == runner else { throw StoreError.notYourClaim(id: id, holder: holder) }
        try db.execute(sql: "DELETE FROM work_claim WHERE id = ?", arguments: [id])
        let command: TrainCommand =
            switch WorkItem.Kind(rawValue: row["kind"]) {
            case .build: .reportBuild(member: row["package"], rc: rc, passed: passed, log: log)
            case .integration: .reportIntegration(rc: rc, passed: passed, log: log)
            case .test, nil: .reportTest(member: row["package"], rc: rc, passed: passed, log: log)
            }
        return try Self.execute(db, command, on: version, by: .runner(runner), at: time).0
    }

    /// Extends a held claim's lease by `lease` from `time` (a runner still at work says so);
    /// `lease` is refused outside `Train.leaseSeconds`, as a claim's is. A repeat of the request
    /// under `idempotency` returns the first answer and extends nothing.
    @discardableResult
    package func heartbeat(
        work id: String, runner: String, lease: TimeInterval, at time: Date, idempotency: IdempotencyKey? = nil
    ) throws(StoreError) -> WorkItem {
        guard Train.isValidLease(lease) else { throw StoreError.invalidLease(seconds: lease) }
        let time = Self.storable(time)
        return try write { db in
            try Self.once(db, idempotency, at: time) {
                try Self.heartbeat(db, work: id, runner: runner, lease: lease, at: time)
            }.answer
        }
    }

    private static func heartbeat(_ db: Database, work id: String, runner: String, lease: TimeInterval, at time: Date)
        throws -> WorkItem
    {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT train, kind, package, rc, runner, attempt FROM work_claim WHERE id = ?",
                arguments: [id])
        else { throw StoreError.unknownWork(id) }
        let holder: String = row["runner"]
        guard holder == runner else { throw StoreError.notYourClaim(id: id, holder: holder) }
        let until = time.addingTimeInterval(lease)
        try db.execute(
            sql: "UPDATE work_claim SET lease_until = ? WHERE id = ?", arguments: [until.timeIntervalSince1970, id])
        return WorkItem(
            id: id, train: row["train"], kind: WorkItem.Kind(rawValue: row["kind"]) ?? .test,
            package: row["package"], rc: row["rc"], runner: runner, leaseUntil: until, attempt: row["attempt"])
    }

    /// The claims currently held on a train.
    package func claims(train version: String) throws(StoreError) -> [WorkItem] {
        try read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, kind, package, rc, runner, lease_until, attempt FROM work_claim WHERE train = ? ORDER BY id",
                arguments: [version]
            ).map { row in
                WorkItem(
                    id: row["id"], train: version, kind: WorkItem.Kind(rawValue: row["kind"]) ?? .test,
                    package: row["package"], rc: row["rc"], runner: row["runner"],
                    leaseUntil: Date(timeIntervalSince1970: row["lease_until"]), attempt: row["attempt"]
                )
            }
        }
    }

    private static func insert(_ db: Database, _ item: WorkItem, at time: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO work_claim (id, train, kind, package, rc, runner, claimed_at, lease_until, attempt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                item.id, item.train, item.kind.rawValue, item.package, item.rc, item.runner, time.timeIntervalSince1970,
                item.leaseUntil.timeIntervalSince1970, item.attempt,
            ]
        )
    }

    /// Returns the work of claims whose lease ran out to the queue.
    private static func expireClaims(_ db: Database, train version: String, at time: Date) throws {
        let expired = try Row.fetchAll(
            db,
            sql: "SELECT id, kind, package FROM work_claim WHERE train = ? AND lease_until < ?",
            arguments: [version, time.timeIntervalSince1970]
        )
        for row in expired {
            try db.execute(sql: "DELETE FROM work_claim WHERE id = ?", arguments: [row["id"] as String])
            guard (row["kind"] as String) == WorkItem.Kind.test.rawValue else { continue }
            if let member: String = row["package"], try load(db, version).member(member)?.state == .testing {
                try execute(db, .abandonTest(member: member), on: version, by: .policy, at: time)
            }
        }
    }
}
