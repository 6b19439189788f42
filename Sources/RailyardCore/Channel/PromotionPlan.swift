import Foundation

/// A label's records: subdir → file name → record.
package typealias LabelRecords = [String: [String: PackageRecord]]

/// What promoting a train would do to `main`, and whether it may: the dry run's diff and
/// every check with its verdict. Decided from the train and the two labels alone.
package struct PromotionPlan: Sendable, Equatable {
    package var train: String
    /// The records `main` gains, per subdir, in file-name order.
    package var gains: [String: [PackageRecord]]
    /// Every check and its verdict; the move happens only when all hold.
    package var checks: [GateCheck]
    /// `main` after the move.
    package var future: LabelRecords
    /// The packages whose files move, in the order a move that is not atomic takes them: the
    /// core first, then the members in the plan's order.
    package var packages: [String]
    /// The core's builds against the builds of the members that must pair with them.
    package var matrix: VariantMatrix
    /// What a real solver answered for what users will type (empty: no solver was asked).
    package var solves: [SolveReport] = []
    /// How what users type with no version changes from `main` now to the future `main`.
    package var changes: [SolveChange] = []

    package var ok: Bool { checks.allSatisfy(\.ok) }
    package var failing: [GateCheck] { checks.filter { !$0.ok } }
    package var gainCount: Int { gains.values.reduce(0) { $0 + $1.count } }
}

extension Train {
    /// The packages whose new files go to `main`: the core's current RC, and every member that
    /// is not excluded and has a registered build (retest members keep what `main` has).
    package var promotedPackages: [(name: String, version: Version, artifacts: [Artifact]?)] {
        var result: [(String, Version, [Artifact]?)] = []
        if rc != nil { result.append((core, version, rcArtifacts)) }
        for member in members where member.state != .excluded {
            guard let build = member.build else { continue }
            result.append((member.name, build.version, build.artifacts))
        }
        return result
    }

    /// The dry run: the diff `main` would gain from `staged` (the train's label) and every check
    /// the move needs — the gate, the files, variant completeness, installability of the future
    /// `main`, and the mutual compatibility of the new builds.
    package func promotionPlan(main: LabelRecords, staged: LabelRecords) -> PromotionPlan {
        var checks: [GateCheck] = []
        let gateFailing = stage == .staged ? gate(leaving: .staged).filter { !$0.ok } : []
        checks.append(
            GateCheck(
                name: "the train is staged and its gate holds",
                ok: stage == .staged && gateFailing.isEmpty,
                detail: stage != .staged
                    ? "the train is \(stage.rawValue)"
                    : gateFailing.isEmpty
                        ? "every member passed, waived or excluded; the all-together run passed"
                        : gateFailing.map { "\($0.name) (\($0.detail))" }.joined(separator: "; ")
            ))

        // The files: each registered artifact on the label, as registered.
        var gains: [String: [PackageRecord]] = [:]
        var missing: [String] = []
        var clashes: [String] = []
        var unregistered: [String] = []
        var incomplete: [String] = []
        for package in promotedPackages {
            guard let artifacts = package.artifacts, !artifacts.isEmpty else {
                unregistered.append("\(package.name) \(package.version)")
                continue
            }
            var covered = Set<String>()
            var noarch = false
            for artifact in artifacts {
                guard let record = staged[artifact.subdir]?[artifact.fileName], record.sha256 == artifact.sha256
                else {
                    missing.append(artifact.description)
                    continue
                }
                covered.insert(record.subdir)
                if record.noarch != nil || record.subdir == "noarch" { noarch = true }
                if let existing = main[record.subdir]?[record.fileName] {
                    if existing.sha256 != record.sha256 { clashes.append(artifact.description) }
                    continue
                }
                gains[record.subdir, default: []].append(record)
            }
            let lacking = requiredSubdirs.filter { !covered.contains($0) }
            if !noarch && !lacking.isEmpty {
                incomplete.append(
                    "\(package.name) \(package.version) has no build for \(lacking.joined(separator: ", "))")
            }
        }
        for subdir in gains.keys { gains[subdir]!.sort { $0.fileName < $1.fileName } }
        checks.append(
            GateCheck(
                name: "every build of the train is on its staging label as registered",
                ok: missing.isEmpty && unregistered.isEmpty,
                detail: missing.isEmpty && unregistered.isEmpty
                    ? "\(promotedPackages.count) packages"
                    : (missing.map { "missing or changed: \($0)" } + unregistered.map { "no files registered: \($0)" })
                        .joined(separator: "; ")
            ))
        checks.append(
            GateCheck(
                name: "subdir completeness: every package has a build for every required subdir",
                ok: incomplete.isEmpty,
                detail: incomplete.isEmpty
                    ? requiredSubdirs.joined(separator: ", ") : incomplete.joined(separator: "; ")
            ))
        checks.append(
            GateCheck(
                name: "no file name on main changes content",
                ok: clashes.isEmpty,
                detail: clashes.isEmpty ? "none" : clashes.joined(separator: ", ")
            ))

        let matrix = variantMatrix(staged: staged)
        checks.append(
            GateCheck(
                name:
                    "variant matrix: every build of \(core) in the RC has an installable build of every companion"
                    + " and C++/CUDA extension",
                ok: matrix.isComplete,
                detail: matrix.isComplete
                    ? "\(matrix.rows.count) \(core) builds × \(matrix.columns.count) packages"
                    : Self.limited(matrix.problems)
            ))

        var future = main
        for (subdir, records) in gains {
            for record in records { future[subdir, default: [:]][record.fileName] = record }
        }
        let unsatisfied = Self.unsatisfied(gains: gains, future: future, platforms: requiredSubdirs)
        checks.append(
            GateCheck(
                name: "the future main is installable: every dependency among the channel's packages is satisfied",
                ok: unsatisfied.isEmpty,
                detail: unsatisfied.isEmpty
                    ? "\(gains.values.reduce(0) { $0 + $1.count }) new records checked"
                    : Self.limited(unsatisfied)
            ))
        let incompatible = mutuallyIncompatible(gains)
        checks.append(
            GateCheck(
                name: "the new builds admit each other's new versions",
                ok: incompatible.isEmpty,
                detail: incompatible.isEmpty ? "compatible" : Self.limited(incompatible)
            ))
        return PromotionPlan(
            train: name, gains: gains, checks: checks, future: future,
            packages: promotedPackages.map(\.name), matrix: matrix)
    }

    /// The members whose builds must pair with every build of the core: companions and C++/CUDA
    /// extensions that have a build in this train and are not excluded.
    package var matrixMembers: [TrainMember] {
        members.filter { member in
            member.state != .excluded && member.build?.artifacts?.isEmpty == false
                && (member.reason == .companion || member.isABICoupled)
        }
    }

    /// The matrix of the RC's core builds against the matrix members' builds, as `staged` (the
    /// train's label) holds them.
    package func variantMatrix(staged: LabelRecords) -> VariantMatrix {
        func records(_ artifacts: [Artifact]?) -> [PackageRecord] {
            (artifacts ?? []).compactMap { artifact in
                staged[artifact.subdir]?[artifact.fileName].flatMap { $0.sha256 == artifact.sha256 ? $0 : nil }
            }
        }
        return VariantMatrix.build(
            core: core, version: version.description, coreRecords: records(rcArtifacts),
            members: matrixMembers.map { member in
                (member.name, member.build!.version.description, records(member.build!.artifacts))
            },
            rules: variantRules ?? VariantRules())
    }

    private static func limited(_ items: [String], to limit: Int = 10) -> String {
        let shown = items.prefix(limit).joined(separator: "; ")
        return items.count > limit ? shown + "; and \(items.count - limit) more" : shown
    }

    /// Each dependency of a new record on a package the channel has must be satisfied by a
    /// record of the future `main` in the same subdir or `noarch` (a `noarch` record, in every
    /// platform subdir).
    static func unsatisfied(gains: [String: [PackageRecord]], future: LabelRecords, platforms: [String]) -> [String] {
        var byName: [String: [String: [PackageRecord]]] = [:]
        var names = Set<String>()
        for (subdir, records) in future {
            for record in records.values {
                byName[subdir, default: [:]][record.name, default: []].append(record)
                names.insert(record.name)
            }
        }
        var problems: [String] = []
        for (subdir, records) in gains.sorted(by: { $0.key < $1.key }) {
            let targets = subdir == "noarch" ? (platforms.isEmpty ? ["noarch"] : platforms) : [subdir]
            for record in records {
                for text in record.depends {
                    guard let spec = try? MatchSpec(text), let name = spec.exactName, names.contains(name) else {
                        continue
                    }
                    for target in targets {
                        let candidates = (byName[target]?[name] ?? []) + (byName["noarch"]?[name] ?? [])
                        if !candidates.contains(where: { $0.satisfies(spec) }) {
                            problems.append(
                                "\(subdir)/\(record.fileName) needs '\(text)': nothing on main for \(target) satisfies it"
                            )
                        }
                    }
                }
            }
        }
        return problems
    }

    /// New records whose specs exclude another package's new version in this train.
    func mutuallyIncompatible(_ gains: [String: [PackageRecord]]) -> [String] {
        var problems: [String] = []
        for (subdir, records) in gains.sorted(by: { $0.key < $1.key }) {
            for record in records {
                for text in record.depends {
                    guard let spec = try? MatchSpec(text), let name = spec.exactName, name != record.name,
                        let versionSpec = spec.version, let target = newVersion(of: name)
                    else { continue }
                    if !versionSpec.matches(target) {
                        problems.append("\(subdir)/\(record.fileName) pins '\(text)', which excludes \(name) \(target)")
                    }
                }
            }
        }
        return problems
    }

    /// The version this train brings of `name`: the core's, or a promoted member's build.
    func newVersion(of name: String) -> Version? {
        if name == core { return rc == nil ? nil : version }
        guard let member = member(name), member.state != .excluded, member.reason != .support else { return nil }
        return member.build?.version
    }
}
