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

    /// `TRAIN:KIND:MEMBER:rcN`, `TRAIN:KIND:MEMBER:SUBDIR+CELL:rcN` for one cell,
    /// `TRAIN:integration:rcN`: what reports and heartbeats name.
    package var id: String
    package var kind: Kind
    /// The member to build or test; nil for the all-together run.
    package var member: String?
    /// The cell (`linux-64/py3.11_cuda12.1`) to build or test in; nil for the whole member.
    package var cell: String? = nil
    package var rc: Int
    package var runner: String
    package var leaseUntil: Date
    /// Which attempt against this RC it is.
    package var attempt: Int

    package init(
        id: String, kind: Kind, member: String?, cell: String? = nil, rc: Int, runner: String, leaseUntil: Date,
        attempt: Int
    ) {
        self.id = id
        self.kind = kind
        self.member = member
        self.cell = cell
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
            guard claim.kind == .test, let name = claim.member, member(name)?.state == .testing else { continue }
            if let cell = claim.cell {
                events.append(.testAbandoned(member: name, cell: cell))
            } else if abandoned.insert(name).inserted {
                events.append(.testAbandoned(member: name))
            }
        }
        let claimedTests = Set(heldClaims.filter { $0.kind == .test && $0.leaseUntil >= now }.compactMap(\.member))
        for member in members where member.state == .testing && !claimedTests.contains(member.name) {
            let cellsExpired = heldClaims.contains { $0.member == member.name && $0.cell != nil }
            if !cellsExpired && abandoned.insert(member.name).inserted {
                events.append(.testAbandoned(member: member.name))
            }
        }
        return events
    }

    /// The next piece of work for `actor`, as events: the claims that ran out first, then the
    /// claim (and the test it starts). Builds first, as they unblock the most, then tests, then the
    /// all-together run of a staged train; `wanted` claims that member's work (a failed one too,
    /// as a retry), and `selection` keeps to the cells a runner pool can run. No event at all
    /// when nothing ran out and nothing is on offer.
    func claimEvents(
        kind: WorkClaim.Kind?, member wanted: String?, in selection: CellSelection = CellSelection(), lease: Int,
        by actor: Actor, at now: Date
    ) -> [TrainEvent] {
        let events = expiryEvents(at: now)
        var state = self
        for event in events { state.apply(event, by: actor, at: now) }
        guard let rc = state.rc, !state.stage.isTerminal else { return events }
        let held = Set(state.heldClaims.map(\.id))
        let until = now.addingTimeInterval(TimeInterval(lease))
        func claim(_ kind: WorkClaim.Kind, _ name: String?, _ cell: Variant?, attempt: Int) -> WorkClaim {
            let place = cell.map { $0.key.replacingOccurrences(of: "/", with: "+") + ":" } ?? ""
            let id = "\(state.name):\(kind.rawValue):" + (name.map { "\($0):" } ?? "") + place + "rc\(rc)"
            return WorkClaim(
                id: id, kind: kind, member: name, cell: cell?.key, rc: rc, runner: actor.name, leaseUntil: until,
                attempt: attempt)
        }
        if kind == nil || kind == .build {
            for offer in state.buildOffers(retrying: wanted, in: selection) {
                let failed = state.member(offer.member)?.buildFailure.flatMap { $0.rc == rc ? $0.attempts : nil } ?? 0
                let work = claim(.build, offer.member, offer.cell, attempt: failed + 1)
                if !held.contains(work.id) { return events + [.workClaimed(work)] }
            }
        }
        if kind == nil || kind == .test {
            for offer in state.testOffers(retrying: wanted, in: selection, by: actor, at: now) {
                let work = claim(
                    .test, offer.member, offer.cell, attempt: (state.member(offer.member)?.attempts ?? 0) + 1)
                if !held.contains(work.id) {
                    return events + [.testStarted(member: offer.member, cell: offer.cell?.key), .workClaimed(work)]
                }
            }
        }
        // The all-together run is the whole train's: any pool that runs the train's subdirs takes it.
        let runsTrain = selection.subdir.map(state.rcSubdirs.contains) ?? true
        if kind != .test, wanted == nil, runsTrain, state.integrationWork != nil {
            let work = claim(.integration, nil, nil, attempt: 1)
            if !held.contains(work.id) { return events + [.workClaimed(work)] }
        }
        return events
    }
}
