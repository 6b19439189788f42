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
    /// The core's builds in the RC against the builds of the packages that must pair with them.
    func matrix(of train: String) async throws(ServiceError) -> MatrixResponse
    /// Proposed repodata patches for builds on `main` that pin the core without an upper bound.
    func patches(for train: String) async throws(ServiceError) -> PatchesResponse

    /// A train for core version `train` from the catalog's plan (here: the catalog given to the
    /// service; on a server: the server's), with companions at the given versions. Refused when
    /// the version is not newer than a released train's of its series, and when the catalog is
    /// behind a released train unless `staleOK` (then with a warning).
    func create(_ train: String, companions: [String: String], staleOK: Bool, by actor: Actor, guards: Guards)
        async throws(ServiceError) -> CommandResponse
    /// Ends train `train`, which will not ship, and creates train `version` from the catalog's
    /// plan in its place (refused as `create` refuses), carrying over its members'
    /// acknowledgements, declines, exclusions and the builds whose specs admit the new versions
    /// (`Train.supersede`); both trains' logs record what was carried and what was not.
    func supersede(
        _ train: String, by version: String, companions: [String: String], staleOK: Bool, by actor: Actor,
        guards: Guards
    ) async throws(ServiceError) -> SupersedeResponse
    /// The core's RC `number`: its files go on the staging label and are registered with it.
    func registerRC(_ number: Int, files: [String], on train: String, by actor: Actor, guards: Guards)
        async throws(ServiceError) -> CommandResponse
    /// Members' builds onto the staging label, registered with the train.
    func stage(_ files: [String], on train: String, by actor: Actor, guards: Guards) async throws(ServiceError)
        -> StageResponse
    /// The next piece of CI work under a lease of `leaseSeconds`, or none: of `kind`, of
    /// `package`, in a cell of `subdir` that `variant` selects (each nil: any).
    func claim(
        on train: String, kind: String?, package: String?, subdir: String?, variant: String?, leaseSeconds: Int,
        by runner: Actor, guards: Guards
    ) async throws(ServiceError) -> ClaimResponse
    /// The result of claimed work.
    func report(_ work: String, passed: Bool, log: String?, by runner: Actor, guards: Guards)
        async throws(ServiceError) -> CommandResponse
    /// Extends the lease of claimed work by `leaseSeconds` from now: the claim as it then is.
    func heartbeat(_ work: String, leaseSeconds: Int, by runner: Actor, guards: Guards)
        async throws(ServiceError) -> ClaimResponse
    /// The train's stage and revision: at once when `revision` is nil or already behind,
    /// otherwise as soon as it changes within `wait` seconds (nil if it did not).
    func watch(_ train: String, after revision: Int?, wait: Int) async throws(ServiceError) -> WatchResponse?
    /// Every label's repodata rebuilt from the package files present.
    func index(by actor: Actor, guards: Guards) async throws(ServiceError) -> IndexResponse
    /// Every listed file checked against its size and sha256, and nothing unlisted.
    func verify() async throws(ServiceError) -> VerifyResponse
    /// Files taken off `main` after a release (to the `broken` label): the dry run, or with
    /// `move` the change of main's generation, refused when it breaks an install of the last
    /// release unless `force`.
    func revoke(
        _ files: [String], reason: String, move: Bool, force: Bool, expectMain: Int?, by actor: Actor, guards: Guards
    ) async throws(ServiceError) -> RevokeResponse
    /// The changes of `main` that are no train's, oldest first.
    func channelLog() async throws(ServiceError) -> ChannelLogResponse
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
