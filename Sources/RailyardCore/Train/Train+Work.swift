import Foundation

/// The work CI can take from a train, derived from its state.
extension Train {
    /// How long a claim of CI work may be held without a heartbeat, in seconds: at least one
    /// second, at most a day. A claim and a heartbeat are both refused outside this range, so
    /// that no runner can hold an item for ever.
    package static let leaseSeconds: ClosedRange<Int> = 1...86_400

    /// Whether `seconds` is a lease a claim or a heartbeat may ask for.
    package static func isValidLease(_ seconds: TimeInterval) -> Bool {
        seconds.isFinite && seconds >= Double(leaseSeconds.lowerBound) && seconds <= Double(leaseSeconds.upperBound)
    }

    /// The members whose test CI may start now, in plan order: `built` members the machine would
    /// let `actor` start testing (parents passed, the stage allows it); a `failed` member only
    /// when it is asked for by name, as a retry.
    package func testWork(retrying name: String? = nil, by actor: Actor, at time: Date) -> [String] {
        members.compactMap { member in
            if let name, member.name != name { return nil }
            guard member.state == .built || (name != nil && member.state == .failed) else { return nil }
            guard case .success = decide(.startTest(member: member.name), by: actor, at: time) else { return nil }
            return member.name
        }
    }

    /// The members CI may build now against the current RC, in plan order: companions and C++/CUDA
    /// members whose request is open, once every parent has its build (or was excluded); in
    /// `companions` only the companions. A member whose build failed against this RC is offered
    /// only when asked for by name, as a retry.
    package func buildWork(retrying name: String? = nil) -> [String] {
        guard rc != nil, stage == .companions || stage == .downstream || stage == .staged else { return [] }
        return members.compactMap { member in
            if let name, member.name != name { return nil }
            guard member.buildIsTiedToRC, member.hasOpenRequest else { return nil }
            guard stage != .companions || member.reason == .companion else { return nil }
            guard name != nil || !member.buildFailed(against: rc) else { return nil }
            guard buildParentsWaitedFor(member).isEmpty else { return nil }
            return member.name
        }
    }

    /// The parents whose build `member`'s build needs first: members with no build yet.
    package func buildParentsWaitedFor(_ member: TrainMember) -> [String] {
        member.parents.filter { parent in
            guard let parentMember = self.member(parent) else { return false }
            switch parentMember.state {
            case .built, .testing, .passed, .failed, .excluded: return false
            case .pending, .requested, .acknowledged, .declined: return true
            }
        }
    }

    /// The RC of the all-together run when it waits for CI: the train is staged and the run
    /// for the current RC has not reported.
    package var integrationWork: Int? {
        guard stage == .staged, let rc, let run = integration, run.rc == rc, run.passed == nil else { return nil }
        return rc
    }
}
