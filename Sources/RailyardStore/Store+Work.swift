import Foundation
import GRDB
import RailyardCore

/// A piece of CI work a runner holds under a lease: a claim of the train's, with its train.
package struct WorkItem: Sendable, Equatable, Codable {
    package typealias Kind = WorkClaim.Kind

    package var id: String
    package var train: String
    package var kind: Kind
    package var package: String?
    /// The cell to build or test in (`linux-64/py3.11_cuda12.1`); nil for the whole member.
    package var cell: String?
    package var rc: Int
    package var runner: String
    package var leaseUntil: Date
    /// Which attempt against this RC this is.
    package var attempt: Int
    /// The specs that pin the work's cell: the core's build, the member, the python (nil in an
    /// answer kept from before they were given).
    package var specs: [String]?
    /// The channel's labels to install from, first the train's staging label, then `main`.
    package var labels: [String]?

    package init(_ claim: WorkClaim, of train: Train) {
        id = claim.id
        self.train = train.name
        kind = claim.kind
        package = claim.member
        cell = claim.cell
        rc = claim.rc
        runner = claim.runner
        leaseUntil = claim.leaseUntil
        attempt = claim.attempt
        specs = train.specs(for: claim.member, in: claim.cell)
        labels = [train.stagingLabel, "main"]
    }
}

extension Store {
    /// Hands the next piece of work to `runner` under a lease, or nil when there is none.
    ///
    /// The train decides (`TrainCommand.claimWork`): claims whose lease ran out go back to the
    /// queue first, then builds, as they unblock the most, then tests, then the all-together run
    /// of a staged train. The claim is an event of the train like any other, so `db verify`
    /// rebuilds it; with nothing to hand out and nothing expired, nothing is written.
    ///
    /// `lease` is refused outside `Train.leaseSeconds`. A repeat of the request under
    /// `idempotency` returns the item first handed out (or nil, if there was none) and claims
    /// nothing more.
    package func claim(
        train version: String,
        kind: WorkItem.Kind? = nil,
        package wanted: String? = nil,
        subdir: String? = nil,
        variant: String? = nil,
        runner: String,
        lease: TimeInterval,
        at time: Date,
        idempotency: IdempotencyKey? = nil
    ) throws(StoreError) -> WorkItem? {
        guard Train.isValidLease(lease) else { throw StoreError.invalidLease(seconds: lease) }
        let time = Self.storable(time)
        return try write { db in
            try Self.once(db, idempotency, at: time) { () throws -> WorkItem? in
                let (outcome, train) = try Self.execute(
                    db,
                    .claimWork(kind: kind, member: wanted, subdir: subdir, variant: variant, leaseSeconds: Int(lease)),
                    on: version, by: .runner(runner), at: time)
                for event in outcome.events {
                    if case .workClaimed(let claim) = event, let train { return WorkItem(claim, of: train) }
                }
                return nil
            }.answer
        }
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
                try Self.execute(
                    db, .reportWork(work: id, passed: passed, log: log), on: try Self.train(ofWork: id, db),
                    by: .runner(runner), at: time
                ).0
            }.answer
        }
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
                let version = try Self.train(ofWork: id, db)
                let (_, train) = try Self.execute(
                    db, .extendLease(work: id, leaseSeconds: Int(lease)), on: version, by: .runner(runner), at: time)
                guard let train, let claim = train.heldClaims.first(where: { $0.id == id }) else {
                    throw StoreError.rejected(.unknownWork(id))
                }
                return WorkItem(claim, of: train)
            }.answer
        }
    }

    /// The claims currently held on a train.
    package func claims(train version: String) throws(StoreError) -> [WorkItem] {
        let train = try train(version)
        return train.heldClaims.map { WorkItem($0, of: train) }.sorted { $0.id < $1.id }
    }

    /// The train a work id names, when there is one: otherwise the id is unknown.
    private static func train(ofWork id: String, _ db: Database) throws -> String {
        let version = WorkClaim.train(ofWork: id)
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM train WHERE version = ?", arguments: [version]) == true else {
            throw StoreError.rejected(.unknownWork(id))
        }
        return version
    }
}
