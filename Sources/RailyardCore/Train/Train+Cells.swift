import Foundation

/// The cells of a train's matrix: the variants of the core's builds in the current RC. A
/// companion or C++/CUDA extension is built and tested in every cell (bar its exemptions);
/// any other member is tested once per subdir. A member passes when every cell it must pass
/// has passed (or the member was waived); one failed cell fails it.
extension Train {
    /// The cells of the current RC, in order: each distinct variant of the core's files
    /// (`noarch` aside). Empty when the RC's files carry no variant.
    package var cells: [Variant] {
        Array(Set((rcArtifacts ?? []).compactMap(\.variant).filter { $0.subdir != "noarch" })).sorted()
    }

    /// The cells `member` must pass, each once: every cell of the RC for a companion or C++/CUDA
    /// extension, bar those the catalog exempts it from; one per subdir (`linux-64/any`) for the
    /// others, whose files pin neither python nor CUDA. Empty when the RC has fewer than two
    /// cells: the member is then built and tested as a whole.
    package func requiredCells(of member: TrainMember) -> [Variant] {
        // Nothing to test: left out of the release, or a support package whose main build serves.
        guard member.state != .excluded, !member.isSupportOnMain else { return [] }
        let cells = self.cells
        guard cells.count > 1 else { return [] }
        if member.reason == .companion || member.isABICoupled {
            return cells.filter { variantRules?.exemption(of: member.name, for: $0) == nil }
        }
        let subdirs = Array(Set(cells.map(\.subdir))).sorted()
        guard subdirs.count > 1 else { return [] }
        return subdirs.map { Variant(subdir: $0) }
    }

    /// `member`'s result in `cell` against the current RC, if any.
    package func cellResult(of member: TrainMember, in cell: String) -> TrainMember.TestResult? {
        guard let rc, let result = member.cellResults?[cell], result.rc == rc else { return nil }
        return result
    }

    /// The test claims held for `name`, by cell.
    func heldTestCells(of name: String) -> Set<String> {
        Set(heldClaims.filter { $0.kind == .test && $0.member == name }.compactMap(\.cell))
    }

    /// The cells of `member` still to test against the current RC: required, not yet passed
    /// or failed, not held by a runner, and (for a member CI builds) with a file of its build.
    /// A failed cell is offered again only as a `retry`.
    func cellsToTest(of member: TrainMember, retry: Bool = false) -> [Variant] {
        let held = heldTestCells(of: member.name)
        let unbuilt = member.buildIsTiedToRC ? Set(cellsToBuild(of: member).map(\.key)) : []
        return requiredCells(of: member).filter { cell in
            guard !held.contains(cell.key), !unbuilt.contains(cell.key) else { return false }
            guard let result = cellResult(of: member, in: cell.key) else { return true }
            return retry && !result.passed
        }
    }

    /// The cells of `member` that CI may build against the current RC: required, and with no
    /// file of the member's build (for this RC) that pairs with the cell.
    func cellsToBuild(of member: TrainMember) -> [Variant] {
        let built: [Variant] =
            member.build.flatMap { $0.rc == rc ? ($0.artifacts ?? []).compactMap(\.variant) : nil } ?? []
        return requiredCells(of: member).filter { cell in !built.contains { $0.pairs(with: cell) } }
    }

    /// The member's state once its cells have said what they say: failed when a cell failed,
    /// passed when every required cell passed, testing while a runner holds one, built otherwise.
    func stateFromCells(of member: TrainMember, excludingClaimOf cell: String?) -> (
        MemberState, TrainMember.TestResult?
    ) {
        let required = requiredCells(of: member).map(\.key)
        var results: [(String, TrainMember.TestResult)] = []
        for key in required {
            if let result = cellResult(of: member, in: key) { results.append((key, result)) }
        }
        if let (key, failed) = results.first(where: { !$0.1.passed }) {
            return (
                .failed, TrainMember.TestResult(rc: failed.rc, passed: false, log: failed.log, at: failed.at, cell: key)
            )
        }
        if !required.isEmpty && results.count == required.count, let last = results.map(\.1).max(by: { $0.at < $1.at })
        {
            return (.passed, TrainMember.TestResult(rc: last.rc, passed: true, log: nil, at: last.at))
        }
        let running = heldTestCells(of: member.name).subtracting(cell.map { [$0] } ?? [])
        return (running.isEmpty ? .built : .testing, nil)
    }

    /// The specs that pin `cell` for a runner: the core's build of that cell exactly, the
    /// member at its train version, and the python of the cell.
    package func specs(for member: String?, in cell: String?) -> [String] {
        var specs: [String] = []
        let coreFile = cell.flatMap { key in (rcArtifacts ?? []).first { $0.variant?.key == key } }
        if let coreFile {
            specs.append("\(core) \(version) \(PackageRecord.buildString(ofFileName: coreFile.fileName))")
        } else {
            specs.append("\(core) \(version)")
        }
        if let member, let version = self.member(member).flatMap({ $0.build?.version ?? $0.targetVersion }) {
            specs.append("\(member) \(version)")
        } else if let member {
            specs.append(member)
        }
        let variant = coreFile?.variant ?? cell.flatMap { key in cells.first { $0.key == key } }
        if let python = variant?.python { specs.append("python \(python).*") }
        return specs
    }
}

/// Where a member stands in one cell, as the matrix views show it.
package enum CellState: String, Sendable, Codable, CaseIterable {
    case passed
    case failed
    /// A runner holds it now.
    case testing
    /// Not yet tested against the current RC.
    case waiting
    /// The catalog exempts the member from this cell.
    case exempt
    /// The member failed and a release manager waived it.
    case waived
}

extension Train {
    /// `member`'s state in `cell` (a key, `linux-64/py3.11_cuda12.1`), or nil when the member
    /// is not tested per cell or the cell is none of its own.
    package func cellState(of member: TrainMember, in cell: String) -> CellState? {
        let required = requiredCells(of: member).map(\.key)
        guard required.contains(cell) else {
            let exempt = cells.first { $0.key == cell }.flatMap { variantRules?.exemption(of: member.name, for: $0) }
            return exempt == nil || required.isEmpty ? nil : .exempt
        }
        if member.waiver != nil { return .waived }
        if let result = cellResult(of: member, in: cell) { return result.passed ? .passed : .failed }
        if member.state == .passed, member.result?.rc == rc { return .passed }  // tested as a whole
        if member.state == .failed, member.result?.rc == rc, member.cellResults == nil { return .failed }
        return heldTestCells(of: member.name).contains(cell) ? .testing : .waiting
    }

    /// The columns of the members × cells view: the RC's cells, then one per subdir for the
    /// members tested once per subdir (`linux-64/any`); empty when members are tested as a whole.
    package var cellColumns: [String] {
        var columns: [String] = []
        for member in members where member.state != .excluded {
            for cell in requiredCells(of: member) where !columns.contains(cell.key) { columns.append(cell.key) }
        }
        let own = cells.map(\.key)
        return own.filter(columns.contains) + columns.filter { !own.contains($0) }.sorted()
    }
}
