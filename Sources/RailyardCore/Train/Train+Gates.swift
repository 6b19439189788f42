import Foundation

/// One check of a gate.
package struct GateCheck: Sendable, Equatable, Codable {
    package var name: String
    package var ok: Bool
    package var detail: String

    package init(name: String, ok: Bool, detail: String) {
        self.name = name
        self.ok = ok
        self.detail = detail
    }
}

/// Why a member cannot move by itself, typed as Debian's britney does.
package struct BlockedReason: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable {
        /// A parent is not ready: temporary; nobody but the parent must act.
        case waitingFor = "waiting-for"
        /// Its own failure, a decline, a missed deadline, an excluded parent: someone must act.
        case blockedBy = "blocked-by"
    }

    package var kind: Kind
    package var detail: String
    package var since: Date
    /// Whom it waits on: parent packages, or the people who must act.
    package var on: [String]
}

/// An actionable blocker of a gate: a member, what is wrong, who must act, since when.
package struct RootCause: Sendable, Equatable, Codable {
    package var member: String
    package var detail: String
    package var owners: [String]
    package var since: Date
    /// The commands that resolve it, the owners' first.
    package var commands: [String] = []
    /// Blocked by something (a failure, a decline, a missed deadline), rather than an open
    /// request still within its deadline.
    package var blocking: Bool = true
}

extension Train {
    /// The gate to leave `stage`: every check must hold before the train advances.
    package func gate(leaving stage: Stage) -> [GateCheck] {
        switch stage {
        case .planned:
            return [
                GateCheck(
                    name: "an RC of \(core) is registered", ok: rc != nil, detail: rc.map { "RC \($0)" } ?? "no RC yet")
            ]
        case .candidate:
            let missing = requiredSubdirs.filter { !rcSubdirs.contains($0) }
            var checks = [
                GateCheck(
                    name: "RC artifacts exist for every required subdir",
                    ok: rc != nil && missing.isEmpty,
                    detail: missing.isEmpty
                        ? requiredSubdirs.joined(separator: ", ") : "missing: \(missing.joined(separator: ", "))"
                )
            ]
            // The catalog's expected cells (variants.cells): each needs a core build in the RC.
            let expected = (variantRules?.expected ?? []).flatMap(\.cells)
            if !expected.isEmpty {
                let have = (rcArtifacts ?? []).compactMap(\.variant)
                let uncovered = expected.filter { cell in !have.contains { VariantMatrix.covers($0, cell) } }
                checks.append(
                    GateCheck(
                        name: "the RC has a build for every expected cell",
                        ok: rc != nil && uncovered.isEmpty,
                        detail: uncovered.isEmpty
                            ? "\(expected.count) cells"
                            : "missing: " + uncovered.map(\.description).joined(separator: "; ")
                    ))
            }
            return checks
        case .companions:
            let companions = members.filter {
                ($0.reason == .companion || $0.reason == .support) && $0.state != .excluded
            }
            let notReady = companions.filter { !$0.isSettled(against: rc) }
            return [
                GateCheck(
                    name: "every companion built and passed against RC \(rc.map(String.init) ?? "-")",
                    ok: rc != nil && notReady.isEmpty,
                    detail: notReady.isEmpty ? "\(companions.count) passed" : list(notReady)
                )
            ]
        case .downstream:
            let active = members.filter { $0.state != .excluded }
            let notReady = active.filter { !$0.isSettled(against: rc) }
            let open = members.filter(\.hasOpenRequest)
            return [
                GateCheck(
                    name: "every member passed against RC \(rc.map(String.init) ?? "-") or was excluded",
                    ok: rc != nil && notReady.isEmpty,
                    detail: notReady.isEmpty
                        ? "\(active.count) passed" : "\(notReady.count) not yet: " + list(notReady)
                ),
                GateCheck(
                    name: "no open request",
                    ok: open.isEmpty,
                    detail: open.isEmpty ? "none" : list(open)
                ),
            ]
        case .staged:
            let integrationOK = integration?.passed == true && integration?.rc == rc && rc != nil
            return [
                GateCheck(
                    name: "the all-together run passed against the current state",
                    ok: integrationOK,
                    detail: integration.map { run in
                        run.passed.map { $0 ? "passed against RC \(run.rc)" : "failed against RC \(run.rc)" }
                            ?? "not yet run against RC \(run.rc)"
                    } ?? "not set up"
                ),
                GateCheck(
                    name: "RC \(rc.map(String.init) ?? "-") is marked final",
                    ok: rc != nil && finalRC == rc,
                    detail: finalRC.map { "RC \($0) marked final" } ?? "not marked"
                ),
            ]
        case .released, .aborted:
            return []
        }
    }

    /// Whether every check of the gate leaving `stage` holds.
    package func gateHolds(leaving stage: Stage) -> Bool {
        gate(leaving: stage).allSatisfy(\.ok)
    }

    /// The first stage before the current one whose gate no longer holds, if any: where a train
    /// falls back to after something became stale.
    package var fallbackStage: Stage? {
        guard !stage.isTerminal else { return nil }
        return Stage.path.first { $0 < stage && !gateHolds(leaving: $0) }
    }

    private func list(_ members: [TrainMember], limit: Int = 8) -> String {
        let shown = members.prefix(limit).map { "\($0.name) (\($0.state.rawValue)\(cellsToGo($0)))" }
            .joined(separator: ", ")
        return members.count > limit ? shown + ", and \(members.count - limit) more" : shown
    }

    /// For a member built and tested per cell: what its cells still lack, briefly.
    private func cellsToGo(_ member: TrainMember) -> String {
        guard !requiredCells(of: member).isEmpty, member.state != .excluded else { return "" }
        var parts: [String] = []
        if member.buildIsTiedToRC, member.build != nil {
            let unbuilt = cellsToBuild(of: member).map(\.key)
            if !unbuilt.isEmpty { parts.append("no build for " + Self.brief(unbuilt)) }
        }
        let failed = requiredCells(of: member).map(\.key).filter { cellResult(of: member, in: $0)?.passed == false }
        if !failed.isEmpty { parts.append("failed in " + Self.brief(failed)) }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: "; ")
    }

    private static func brief(_ cells: [String], limit: Int = 3) -> String {
        let shown = cells.prefix(limit).joined(separator: ", ")
        return cells.count > limit ? shown + " and \(cells.count - limit) more" : shown
    }

    // MARK: - Blocked reasons

    /// Why `member` cannot move by itself at `now`; empty when it can (or is done).
    package func blockedReasons(of member: TrainMember, at now: Date) -> [BlockedReason] {
        var reasons: [BlockedReason] = []
        switch member.state {
        case .passed, .excluded:
            return []
        case .failed:
            let log = member.result?.log.map { "; log: \($0)" } ?? ""
            reasons.append(
                BlockedReason(
                    kind: .blockedBy,
                    detail: "test failed against RC \(member.result?.rc ?? 0)"
                        + (member.result?.cell.map { " in \($0)" } ?? "") + log,
                    since: member.since,
                    on: member.maintainers
                )
            )
        case .declined:
            reasons.append(
                BlockedReason(
                    kind: .blockedBy,
                    detail: "declined: \(member.declineReason ?? "no reason given")",
                    since: member.since,
                    on: member.maintainers
                )
            )
        case .requested:
            if let deadline = member.deadline, now > deadline {
                reasons.append(
                    BlockedReason(
                        kind: .blockedBy,
                        detail: "\(member.reason.rawValue) request unanswered past its deadline",
                        since: deadline,
                        on: member.maintainers
                    )
                )
            }
        case .pending, .acknowledged, .built, .testing:
            break
        }
        if member.hasOpenRequest, member.buildFailed(against: rc), let failure = member.buildFailure {
            let log = failure.log.map { "; log: \($0)" } ?? ""
            let times = failure.attempts == 1 ? "" : " (\(failure.attempts) attempts)"
            reasons.append(
                BlockedReason(
                    kind: .blockedBy,
                    detail: "build failed against RC \(failure.rc)\(times)\(log)",
                    since: failure.at,
                    on: member.maintainers
                )
            )
        }
        let blockingExclusions = excludedParentsNotAdmitted(by: member)
        for parentName in member.parents {
            guard let parent = self.member(parentName) else { continue }
            if parent.state == .excluded {
                if blockingExclusions.contains(parentName) {
                    reasons.append(
                        BlockedReason(
                            kind: .blockedBy,
                            detail: "depends on \(parentName), which was excluded (\(parent.exclusion?.reason ?? ""))"
                                + " and whose version on main (\(parent.currentVersion)) it does not admit",
                            since: parent.since,
                            on: releaseManagers
                        )
                    )
                }
            } else if !parent.isSettled(against: rc) && (member.state == .built || member.state == .failed) {
                reasons.append(
                    BlockedReason(
                        kind: .waitingFor,
                        detail: "\(parentName) is \(parent.state.rawValue)",
                        since: max(member.since, parent.since),
                        on: [parentName]
                    )
                )
            }
        }
        return reasons
    }

    /// The excluded parents whose version on main `member`'s own specs do not admit: it cannot
    /// pass without them, so it stays blocked-by their exclusion until it is excluded too.
    package func excludedParentsNotAdmitted(by member: TrainMember) -> [String] {
        member.parents.filter { parentName in
            guard let parent = self.member(parentName), parent.state == .excluded else { return false }
            let specs = member.depends.compactMap { try? MatchSpec($0) }.filter { $0.exactName == parentName }
            return !specs.allSatisfy { $0.version?.matches(parent.currentVersion) ?? true }
        }
    }

    /// The actionable blockers of the current gate: members blocked by something someone must
    /// do, then open requests — not the members merely waiting for them.
    package func rootCauses(at now: Date) -> [RootCause] {
        var causes: [RootCause] = []
        for member in members where member.state != .passed && member.state != .excluded {
            let blocked = blockedReasons(of: member, at: now).filter { $0.kind == .blockedBy }
            if let first = blocked.first {
                causes.append(
                    RootCause(
                        member: member.name, detail: first.detail, owners: first.on, since: first.since,
                        commands: remedies(member)))
            } else if member.hasOpenRequest && stage >= .companions {
                let what =
                    member.state == .acknowledged
                    ? "acknowledged, build not registered yet" : "request not answered yet"
                causes.append(
                    RootCause(
                        member: member.name,
                        detail: "\(member.reason.rawValue) \(what)",
                        owners: member.maintainers,
                        since: member.since,
                        commands: remedies(member),
                        blocking: false
                    )
                )
            }
        }
        // The blocked first: they are what is stuck; open requests are work under way.
        return causes.filter(\.blocking) + causes.filter { !$0.blocking }
    }

    /// What resolves a member's block: its maintainers' command first, then the release
    /// managers' way out.
    private func remedies(_ member: TrainMember) -> [String] {
        let train = self.name
        let name = member.name
        let exclude = "railyard train exclude \(train) \(name) --reason \"...\""
        if !excludedParentsNotAdmitted(by: member).isEmpty {
            return ["railyard stage FILE.conda --train \(train)  # a build that admits what main has", exclude]
        }
        if member.hasOpenRequest && buildFailed(member) {
            return [
                "railyard ci claim --train \(train) --kind build --package \(name) --as RUNNER  # retry the build",
                "railyard stage FILE.conda --train \(train)", exclude,
            ]
        }
        switch member.state {
        case .failed:
            return [
                "railyard stage FILE.conda --train \(train)  # a fixed build",
                "railyard train waive \(train) \(name) --reason \"...\"",
            ]
        case .declined:
            return [exclude]
        case .requested:
            return [
                "railyard bump ack \(name) --train \(train) --eta YYYY-MM-DD",
                "railyard bump decline \(name) --train \(train) --reason \"...\"", exclude,
            ]
        case .acknowledged:
            return ["railyard stage FILE.conda --train \(train)", exclude]
        default:
            return [exclude]
        }
    }

    private func buildFailed(_ member: TrainMember) -> Bool { member.buildFailed(against: rc) }
}
