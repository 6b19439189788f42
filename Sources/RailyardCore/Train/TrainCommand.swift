import Foundation

/// Who acts: a person (release manager or maintainer), a CI runner, or the train's own policy.
package enum Actor: Sendable, Equatable, Codable, CustomStringConvertible {
    case person(String)
    case runner(String)
    case policy

    /// The name alone: a person's or a runner's (what a claim is held under).
    package var name: String {
        switch self {
        case .person(let name), .runner(let name): name
        case .policy: "policy"
        }
    }

    package var description: String {
        switch self {
        case .person(let name): name
        case .runner(let name): "runner:\(name)"
        case .policy: "policy"
        }
    }
}

/// Something someone asks of a train. The actor and the time come with it; the machine reads no
/// clock.
package enum TrainCommand: Sendable, Equatable {
    /// Torch RC `number` is on the staging label: `artifacts` are its files there, and their
    /// subdirs are the RC's. An RC without files is refused.
    case registerRC(number: Int, artifacts: [Artifact])
    /// One stage forward, when the gate holds.
    case advance
    case acknowledge(member: String, eta: Date?)
    case decline(member: String, reason: String)
    /// A new build of a member: its version and the dependency specs in its metadata.
    case registerBuild(member: String, version: Version, depends: [String], artifacts: [Artifact] = [])
    /// CI starts testing a member against the current RC: in one of its cells, or as a whole.
    case startTest(member: String, cell: String? = nil)
    /// A claimed test whose lease ran out goes back to the queue.
    case abandonTest(member: String, cell: String? = nil)
    /// CI reports a member's test against RC `rc`: one cell's result, or the whole member's.
    case reportTest(member: String, rc: Int, passed: Bool, log: String?, cell: String? = nil)
    /// CI reports building a member against RC `rc` (in one cell, or as a whole): a success once
    /// its build (that cell's file) is staged, a failure with its log.
    case reportBuild(member: String, rc: Int, passed: Bool, log: String?, cell: String? = nil)
    /// CI reports the all-together run against RC `rc`.
    case reportIntegration(rc: Int, passed: Bool, log: String?)
    case exclude(member: String, reason: String, cascade: Bool)
    case waive(member: String, reason: String)
    /// The release manager marks RC `rc` final.
    case markFinal(rc: Int)
    /// Everything moved to `main`: the train is released.
    case release
    /// The solver's verdict on the future main, recorded with the release.
    case recordInstallability(verdict: String, detail: String, figures: [SolveFigure]? = nil)
    case abort(reason: String)
    /// The deadline policy's periodic look at overdue requests.
    case sweepDeadlines
    /// CI takes the next piece of work (of `kind`, or `member`'s, in a cell of `subdir` that
    /// `variant` selects) under a lease of `leaseSeconds`; claims whose lease ran out are
    /// returned to the queue first.
    case claimWork(
        kind: WorkClaim.Kind?, member: String?, subdir: String? = nil, variant: String? = nil, leaseSeconds: Int)
    /// The runner holding `work` extends its lease by `leaseSeconds` from now.
    case extendLease(work: String, leaseSeconds: Int)
    /// The runner holding `work` reports its result.
    case reportWork(work: String, passed: Bool, log: String?)

    /// The command's name as the CLI and API call it.
    package var name: String {
        switch self {
        case .registerRC: "rc"
        case .advance: "advance"
        case .acknowledge: "ack"
        case .decline: "decline"
        case .registerBuild: "stage"
        case .startTest: "claim"
        case .abandonTest: "expire"
        case .reportTest: "report"
        case .reportBuild: "report"
        case .reportIntegration: "report"
        case .exclude: "exclude"
        case .waive: "waive"
        case .markFinal: "final"
        case .release, .recordInstallability: "promote"
        case .abort: "abort"
        case .sweepDeadlines: "sweep"
        case .claimWork: "claim"
        case .extendLease: "heartbeat"
        case .reportWork: "report"
        }
    }
}
