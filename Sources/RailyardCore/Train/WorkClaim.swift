import Foundation

/// A piece of CI work a runner holds under a lease. Claims are the train's own state, changed
/// only by its events (`workClaimed`, `leaseExtended`, `leaseExpired`, `workReported`), so that
/// `db verify` rebuilds them from the log like everything else.
package struct WorkClaim: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable, CaseIterable {
        /// Build a companion or C++/CUDA member against the current RC, then stage it.
        case build
        /// Test one member against the current RC.
        case test
        /// Run every member of the staged train together.
        case integration
    }

    /// `VERSION:KIND:MEMBER:rcN` (`VERSION:integration:rcN`): what reports and heartbeats name.
    package var id: String
    package var kind: Kind
    /// The member to build or test; nil for the all-together run.
    package var member: String?
    package var rc: Int
    package var runner: String
    package var leaseUntil: Date
    /// Which attempt against this RC it is.
    package var attempt: Int

    package init(
        id: String, kind: Kind, member: String?, rc: Int, runner: String, leaseUntil: Date, attempt: Int
    ) {
        self.id = id
        self.kind = kind
        self.member = member
        self.rc = rc
        self.runner = runner
        self.leaseUntil = leaseUntil
        self.attempt = attempt
    }

    /// The train a work id belongs to: what comes before its first `:` (a conda version has none).
    package static func train(ofWork id: String) -> String {
        String(id.prefix { $0 != ":" })
    }
}

extension Train {
    /// The claims held now (whether or not their lease ran out: a claim expires when the next
    /// claim looks).
    package var heldClaims: [WorkClaim] { claims ?? [] }

    /// What a claim at `now` finds to be over: every claim whose lease ran out, with its test
    /// back in the queue; and a test in progress that no claim holds (one claimed before claims
    /// were events) goes back too.
    func expiryEvents(at now: Date) -> [TrainEvent] {
        var events: [TrainEvent] = []
        var abandoned = Set<String>()
        for claim in heldClaims where claim.leaseUntil < now {
            events.append(.leaseExpired(work: claim.id))
            if claim.kind == .test, let name = claim.member, member(name)?.state == .testing,
                abandoned.insert(name).inserted
            {
                events.append(.testAbandoned(member: name))
            }
        }
        let claimedTests = Set(heldClaims.filter { $0.kind == .test && $0.leaseUntil >= now }.compactMap(\.member))
        for member in members where member.state == .testing && !claimedTests.contains(member.name) {
            if abandoned.insert(member.name).inserted { events.append(.testAbandoned(member: member.name)) }
        }
        return events
    }

    /// The next piece of work for `actor`, as events: the claims that ran out first, then the
    /// claim (and the test it starts). Builds first, as they unblock the most, then tests, then the
    /// all-together run of a staged train; `wanted` claims that member's work (a failed one too,
    /// as a retry). No event at all when nothing ran out and nothing is on offer.
    func claimEvents(kind: WorkClaim.Kind?, member wanted: String?, lease: Int, by actor: Actor, at now: Date)
        -> [TrainEvent]
    {
        var events = expiryEvents(at: now)
        var state = self
        for event in events { state.apply(event, by: actor, at: now) }
        guard let rc = state.rc, !state.stage.isTerminal else { return events }
        let held = Set(state.heldClaims.map(\.id))
        let until = now.addingTimeInterval(TimeInterval(lease))
        func claim(_ kind: WorkClaim.Kind, _ name: String?, attempt: Int) -> WorkClaim {
            let id = "\(state.name):\(kind.rawValue):" + (name.map { "\($0):" } ?? "") + "rc\(rc)"
            return WorkClaim(
                id: id, kind: kind, member: name, rc: rc, runner: actor.name, leaseUntil: until, attempt: attempt)
        }
        if kind == nil || kind == .build {
            for name in state.buildWork(retrying: wanted) {
                let failed = state.member(name)?.buildFailure.flatMap { $0.rc == rc ? $0.attempts : nil } ?? 0
                let work = claim(.build, name, attempt: failed + 1)
                if !held.contains(work.id) { return events + [.workClaimed(work)] }
            }
        }
        if kind == nil || kind == .test {
            for name in state.testWork(retrying: wanted, by: actor, at: now) {
                let work = claim(.test, name, attempt: (state.member(name)?.attempts ?? 0) + 1)
                if !held.contains(work.id) { return events + [.testStarted(member: name), .workClaimed(work)] }
            }
        }
        if kind != .test, wanted == nil, state.integrationWork != nil {
            let work = claim(.integration, nil, attempt: 1)
            if !held.contains(work.id) { return events + [.workClaimed(work)] }
        }
        return events
    }
}
