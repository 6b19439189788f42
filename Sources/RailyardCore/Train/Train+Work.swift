import Foundation

/// The work CI can take from a train, derived from its state.
extension Train {
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

    /// The RC of the all-together run when it waits for CI: the train is staged and the run
    /// for the current RC has not reported.
    package var integrationWork: Int? {
        guard stage == .staged, let rc, let run = integration, run.rc == rc, run.passed == nil else { return nil }
        return rc
    }
}
