import Foundation

/// What happened to a train. The machine decides events; applying them is the only way a
/// train's state changes, so the state can always be rebuilt from the event log.
package enum TrainEvent: Sendable, Equatable, Codable {
    /// The train was created with this initial state.
    case created(Train)
    case rcRegistered(number: Int, subdirs: [String], artifacts: [Artifact]? = nil)
    /// A new RC made a member's build or result stale; it is now in `state`.
    case invalidated(member: String, state: MemberState)
    /// The train entered `stage`: by `advance`, or falling back after something became stale.
    case stageEntered(Stage, fallback: Bool)
    case requested(member: String, deadline: Date)
    case acknowledged(member: String, eta: Date?)
    case declined(member: String, reason: String)
    case built(member: String, version: Version, rc: Int?, depends: [String], artifacts: [Artifact]? = nil)
    /// CI reported building a member against RC `rc` (for one cell, `SUBDIR/CELL`, or all); a
    /// failure blocks it until a retry.
    case buildReported(member: String, rc: Int, passed: Bool, log: String?, cell: String? = nil)
    /// A registered build of a parent excludes what this member pins: it now needs a bump.
    case becameBump(member: String, why: String)
    /// CI started testing a member: in one cell (`linux-64/py3.11_cuda12.1`), or as a whole.
    case testStarted(member: String, cell: String? = nil)
    /// A claimed test's lease ran out: the member (or that cell) is back in the queue.
    case testAbandoned(member: String, cell: String? = nil)
    /// A member's test result against `rc`: one cell's, or the whole member's.
    case tested(member: String, rc: Int, passed: Bool, log: String?, cell: String? = nil)
    case excluded(member: String, reason: String, byPolicy: Bool)
    case waived(member: String, reason: String)
    /// The all-together run for RC `rc` was set up (entering `staged`, or after a change).
    case integrationPending(rc: Int)
    case integrationReported(rc: Int, passed: Bool, log: String?)
    case markedFinal(rc: Int)
    case released
    /// What the solver said of the future main when the train was promoted: `passed`, or
    /// `not run` (allowed by the catalog's `on_unavailable: fail-open`), with the check's detail
    /// and, per cell, the solves' time and the solver's peak memory.
    case installabilityChecked(verdict: String, detail: String, figures: [SolveFigure]? = nil)
    case aborted(reason: String)
    /// The train ended without shipping: train `by` took its place, carrying what is listed.
    case superseded(by: String, carries: [Carry])
    /// This train took the place of train `train`, which ended; `carries` lists what it took
    /// over and what it did not, with the reasons.
    case supersedes(train: String, carries: [Carry])
    /// A member's work taken over from train `from`.
    case carried(member: String, from: String, work: CarriedWork)
    /// The follow-up schedule reminded the maintainers of an unanswered request (the `number`th time).
    case reminded(member: String, number: Int)
    /// An unanswered request's deadline passed (policy `on_deadline: escalate`): it is blocked-by it.
    case deadlinePassed(member: String)
    /// The release managers were told, once, of requests unanswered past `escalate_after`.
    case escalated(members: [String])
    /// A request unanswered past `retire_after`: the package is proposed for retirement.
    case retirementProposed(member: String)
    /// A runner took a piece of CI work under a lease.
    case workClaimed(WorkClaim)
    /// The holder of `work` extended its lease to `until`.
    case leaseExtended(work: String, until: Date)
    /// The lease of `work` ran out before it reported: the work is back in the queue.
    case leaseExpired(work: String)
    /// `work` reported its result: the claim is done.
    case workReported(work: String)

    /// The member the event is about, if any.
    package var member: String? {
        switch self {
        case .invalidated(let member, _), .requested(let member, _), .acknowledged(let member, _),
            .declined(let member, _), .built(let member, _, _, _, _), .buildReported(let member, _, _, _, _),
            .becameBump(let member, _),
            .testStarted(let member, _), .testAbandoned(let member, _), .tested(let member, _, _, _, _),
            .excluded(let member, _, _),
            .waived(let member, _), .reminded(let member, _), .deadlinePassed(let member),
            .retirementProposed(let member), .carried(let member, _, _):
            member
        case .workClaimed(let claim): claim.member
        case .created, .rcRegistered, .stageEntered, .integrationPending, .integrationReported, .markedFinal,
            .released, .installabilityChecked, .aborted, .superseded, .supersedes, .escalated, .leaseExtended,
            .leaseExpired, .workReported:
            nil
        }
    }
}
