import Foundation

/// One piece of CI work on offer: a member, in one cell or as a whole (`cell` nil).
package struct WorkOffer: Sendable, Equatable {
    package var member: String
    package var cell: Variant?
}

/// The cells a runner pool can run: `ci claim --subdir linux-64 --variant cuda12.1`.
package struct CellSelection: Sendable, Equatable {
    /// Only cells of this subdir (nil: any).
    package var subdir: String?
    /// Only cells this selector names (`cuda12.1`, `py3.11`, `cpu`; nil: any).
    package var variant: String?

    package init(subdir: String? = nil, variant: String? = nil) {
        self.subdir = subdir
        self.variant = variant
    }

    /// Whether a runner of this pool can run `cell`.
    package func admits(_ cell: Variant) -> Bool {
        if let subdir, cell.subdir != subdir { return false }
        if let variant, !cell.matches(selector: variant) { return false }
        return true
    }

    /// Whether it can run work done as a whole on `train`: the train's only cell (or subdir)
    /// must be one it admits.
    func admitsWhole(_ train: Train) -> Bool {
        guard subdir != nil || variant != nil else { return true }
        if let only = train.cells.first, train.cells.count == 1 { return admits(only) }
        if let subdir, !train.rcSubdirs.contains(subdir) { return false }
        return variant == nil
    }
}

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

    /// The members whose test CI may start now, in plan order (see `testOffers`).
    package func testWork(retrying name: String? = nil, by actor: Actor, at time: Date) -> [String] {
        Self.unique(testOffers(retrying: name, by: actor, at: time).map(\.member))
    }

    /// The tests CI may start now, in plan order: for a member tested as a whole, a `built` one
    /// the machine would let `actor` start (parents passed, the stage allows it), a `failed` one
    /// only when asked for by name, as a retry; for a member tested per cell, each cell not yet
    /// tested and not held (a failed cell again only as a retry), in the cells `selection` admits.
    package func testOffers(
        retrying name: String? = nil, in selection: CellSelection = CellSelection(), by actor: Actor, at time: Date
    ) -> [WorkOffer] {
        members.flatMap { member -> [WorkOffer] in
            if let name, member.name != name { return [] }
            let required = requiredCells(of: member)
            if required.isEmpty {
                guard member.state == .built || (name != nil && member.state == .failed) else { return [] }
                guard selection.admitsWhole(self) else { return [] }
                guard case .success = decide(.startTest(member: member.name), by: actor, at: time) else { return [] }
                return [WorkOffer(member: member.name, cell: nil)]
            }
            guard member.state == .built || member.state == .testing || member.state == .failed else { return [] }
            return cellsToTest(of: member, retry: name != nil).filter(selection.admits).compactMap { cell in
                guard case .success = decide(.startTest(member: member.name, cell: cell.key), by: actor, at: time)
                else { return nil }
                return WorkOffer(member: member.name, cell: cell)
            }
        }
    }

    /// The members CI may build now, in plan order (see `buildOffers`).
    package func buildWork(retrying name: String? = nil) -> [String] {
        Self.unique(buildOffers(retrying: name).map(\.member))
    }

    /// The builds CI may do now against the current RC, in plan order: companions and C++/CUDA
    /// members, once every parent has its build (or was excluded); in `companions` only the
    /// companions. A member built as a whole is offered while its request is open; a member
    /// built per cell, for each cell its build has no file for yet. A member whose build failed
    /// against this RC is offered only when asked for by name, as a retry.
    package func buildOffers(retrying name: String? = nil, in selection: CellSelection = CellSelection())
        -> [WorkOffer]
    {
        guard rc != nil, stage == .companions || stage == .downstream || stage == .staged else { return [] }
        return members.flatMap { member -> [WorkOffer] in
            if let name, member.name != name { return [] }
            guard member.buildIsTiedToRC else { return [] }
            guard stage != .companions || member.reason == .companion else { return [] }
            guard name != nil || !member.buildFailed(against: rc) else { return [] }
            guard buildParentsWaitedFor(member).isEmpty else { return [] }
            if requiredCells(of: member).isEmpty {
                guard member.hasOpenRequest, selection.admitsWhole(self) else { return [] }
                return [WorkOffer(member: member.name, cell: nil)]
            }
            switch member.state {
            case .requested, .acknowledged, .built, .testing, .passed, .failed: break
            case .pending, .declined, .excluded: return []
            }
            return cellsToBuild(of: member).filter(selection.admits).map { WorkOffer(member: member.name, cell: $0) }
        }
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
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
