import Foundation

extension TrainEvent {
    /// One line a person reads: what `train log`, the API's log and the page show.
    package var summary: String {
        switch self {
        case .created(let train):
            "created: \(train.kind.rawValue) train for \(train.core) \(train.version), \(train.members.count) members"
        case .rcRegistered(let number, let subdirs, _): "RC \(number) registered (\(subdirs.joined(separator: ", ")))"
        case .invalidated(let member, let state): "\(member): stale for the new RC, back to \(state.rawValue)"
        case .stageEntered(let stage, let fallback):
            fallback ? "fell back to \(stage.rawValue)" : "entered \(stage.rawValue)"
        case .requested(let member, let deadline): "\(member): requested, deadline \(Self.iso(deadline))"
        case .acknowledged(let member, let eta): "\(member): acknowledged" + (eta.map { ", ETA \(Self.iso($0))" } ?? "")
        case .declined(let member, let reason): "\(member): declined: \(reason)"
        case .built(let member, let version, let rc, _, _):
            "\(member): build \(version) registered" + (rc.map { " against RC \($0)" } ?? "")
        case .buildReported(let member, let rc, let passed, _, _):
            "\(member): build \(passed ? "passed" : "failed") against RC \(rc)"
        case .becameBump(let member, let why): "\(member): now needs a bump: \(why)"
        case .testStarted(let member, let cell): "\(member): testing" + (cell.map { " in \($0)" } ?? "")
        case .testAbandoned(let member, let cell):
            "\(member): test lease expired" + (cell.map { " in \($0)" } ?? "") + ", back in the queue"
        case .tested(let member, let rc, let passed, _, let cell):
            "\(member): \(passed ? "passed" : "failed") against RC \(rc)" + (cell.map { " in \($0)" } ?? "")
        case .excluded(let member, let reason, let byPolicy):
            "\(member): excluded\(byPolicy ? " by policy" : ""): \(reason)"
        case .waived(let member, let reason): "\(member): failure waived: \(reason)"
        case .integrationPending(let rc): "all-together run set up for RC \(rc)"
        case .integrationReported(let rc, let passed, _):
            "all-together run \(passed ? "passed" : "failed") against RC \(rc)"
        case .markedFinal(let rc): "RC \(rc) marked final"
        case .released: "released"
        case .installabilityChecked(let verdict, let detail, let figures):
            "installability \(verdict): \(detail)" + SolveFigure.summary(figures ?? [])
        case .aborted(let reason): "aborted: \(reason)"
        case .superseded(let next, let carries):
            "superseded by train \(next): " + Self.tally(carries, carried: "carried to \(next)")
        case .supersedes(let earlier, let carries):
            "supersedes train \(earlier): " + Self.tally(carries, carried: "carried from \(earlier)")
        case .carried(let member, let from, let work):
            "\(member): \(work.kind) carried from \(from)" + Self.detail(of: work)
        case .reminded(let member, let number): "\(member): reminder \(number) sent to its maintainers"
        case .deadlinePassed(let member): "\(member): request unanswered past its deadline"
        case .escalated(let members): "escalated to the release managers: \(members.joined(separator: ", "))"
        case .retirementProposed(let member): "\(member): unresponsive past retire_after, proposed for retirement"
        case .workClaimed(let claim):
            "\(claim.id): claimed by \(claim.runner), attempt \(claim.attempt), lease until \(Self.iso(claim.leaseUntil))"
        case .leaseExtended(let work, let until): "\(work): lease extended until \(Self.iso(until))"
        case .leaseExpired(let work): "\(work): lease expired, back in the queue"
        case .workReported(let work): "\(work): reported"
        }
    }

    private static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// `2 carried to 2.7.0 (…); 3 not carried (…)`, every item named.
    private static func tally(_ carries: [Carry], carried: String) -> String {
        let kept = carries.filter(\.carried)
        let left = carries.filter { !$0.carried }
        guard !carries.isEmpty else { return "nothing to carry" }
        var parts: [String] = []
        if !kept.isEmpty {
            parts.append(
                "\(kept.count) \(carried) (" + kept.map { "\($0.member) \($0.what)" }.joined(separator: ", ") + ")")
        }
        if !left.isEmpty {
            parts.append(
                "\(left.count) not carried ("
                    + left.map { "\($0.member) \($0.what): \($0.detail)" }.joined(separator: "; ")
                    + ")")
        }
        return parts.joined(separator: "; ")
    }

    private static func detail(of work: CarriedWork) -> String {
        switch work {
        case .acknowledgement(let eta, _, _): eta.map { ", ETA \(iso($0))" } ?? ""
        case .decline(let reason): ": \(reason)"
        case .exclusion(let note): ": \(note.reason)"
        case .build(let build, _): ": \(build.version), a candidate to be tested again"
        }
    }
}
