import Foundation
import RailyardCore

/// Every use case of Railyard that can run here or on a server, as one protocol: the CLI's
/// commands call it whether they have `--server` or not, and the server's routes call its local
/// implementation, so a command answers the same text, JSON and exit code wherever it runs.
///
/// ``LocalTrainService`` runs a use case on this machine: load, decide (the core), persist in
/// one transaction, act. ``RemoteTrainService`` sends the same request to the HTTP API and
/// reads back the same response type.
package protocol TrainService: Sendable {
    /// Every train, newest first.
    func trains() async throws(ServiceError) -> TrainListResponse
    /// One train: stage, members, blocked reasons, gate.
    func status(of train: String) async throws(ServiceError) -> TrainStatusResponse
    /// The current gate and its root causes.
    func gates(of train: String) async throws(ServiceError) -> GatesResponse
    /// The event log, oldest first.
    func log(of train: String) async throws(ServiceError) -> TrainLogResponse
    /// A command of the train (`advance`, `rc` without files, `final`, `abort`, `exclude`,
    /// `waive`, `ack`, `decline`, the deadline sweep). Remotely, the token says who acts and
    /// `actor` is not sent.
    func run(_ command: TrainCommand, on train: String, by actor: Actor, guards: Guards) async throws(ServiceError)
        -> CommandResponse
    /// The dry run of a promotion to the local channel, or with `move` the all-at-once move.
    func promote(_ train: String, move: Bool, expectMain: Int?, by actor: Actor, guards: Guards)
        async throws(ServiceError) -> PromotionResponse
    /// Proposed repodata patches for builds on `main` that pin the core without an upper bound.
    func patches(for train: String) async throws(ServiceError) -> PatchesResponse
}

/// What guards a mutation: the revision it was decided against, and the key that makes a
/// retried request harmless.
package struct Guards: Sendable, Equatable {
    /// Refuse unless the train is still at this revision (`--expect-revision`, `If-Match`).
    package var expectRevision: Int?
    /// Repeating the request with the same key returns the first answer (`--idempotency-key`,
    /// `Idempotency-Key`), scoped to the caller.
    package var idempotencyKey: String?

    package init(expectRevision: Int? = nil, idempotencyKey: String? = nil) {
        self.expectRevision = expectRevision
        self.idempotencyKey = idempotencyKey
    }
}
