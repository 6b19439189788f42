import Foundation

/// Every rule of a train, in one place: given the state, a command, its actor and the time, the
/// events that happen or the guard that refuses it.
///
/// | command | who | allowed in | effect |
/// |---|---|---|---|
/// | rc N | release manager | planned … staged | N above the current RC; for N > 1, builds of companions and C++/CUDA members go back to `requested`, test results go stale (`passed`/`failed`/`testing` → `built`) |
/// | advance | release manager | planned … downstream | one stage forward when the gate holds; entering companions requests the companions, entering downstream the bumps and rebuilds, entering staged sets up the all-together run |
/// | ack / decline | the member's maintainers, release managers | while requested | `acknowledged` (with an ETA) / `declined` |
/// | stage (build) | the member's maintainers, release managers | companions (companions only), downstream, staged | its specs must admit the train's versions; `built`; parents' new versions can turn retest members into bumps |
/// | claim / report | CI runners, release managers | companions, downstream, staged | the next work under a lease (claims whose lease ran out go back to the queue first): a build, else a test for a `built` (or `failed`) member whose parents passed (`testing`), else the all-together run; a report only by the runner holding the claim, `passed`/`failed` against the current RC only |
/// | heartbeat | the runner holding the claim | — | its lease extended from now |
/// | report build | CI runners, release managers | companions, downstream, staged | a companion's or C++/CUDA member's build against the current RC: a success needs its build staged first; a failure blocks it (blocked-by) until a build is registered or a retry |
/// | expire | the policy | while testing | a claim whose lease ran out: back to the queue |
/// | exclude | release managers | until released | `excluded`, with reason; `cascade` also excludes every member that depends on it |
/// | waive | release managers | on a failed member | counts as passed, shown as waived |
/// | final | release managers | staged | marks the current RC final |
/// | promote | release managers | staged, gate held | `released` |
/// | abort | release managers | until released | `aborted` |
/// | sweep | the policy, release managers | until released | the follow-up schedule of unanswered requests (`Train+FollowUp`): reminders, the deadline (blocked-by, or excluded with `on_deadline: exclude`), one escalation, the retirement proposal |
///
/// After every command, a train whose earlier gate no longer holds falls back to that stage.
extension Train {
    package func decide(_ command: TrainCommand, by actor: Actor, at now: Date) -> Result<[TrainEvent], TrainRejection>
    {
        do {
            var events = try primaryEvents(command, by: actor, at: now)
            if case .advance = command { return .success(events) }
            var next = self
            for event in events { next.apply(event, by: actor, at: now) }
            if let fallback = next.fallbackStage {
                events.append(.stageEntered(fallback, fallback: true))
            }
            return .success(events)
        } catch let rejection as TrainRejection {
            return .failure(rejection)
        } catch {
            preconditionFailure("decide throws only rejections")
        }
    }

    private func primaryEvents(_ command: TrainCommand, by actor: Actor, at now: Date) throws -> [TrainEvent] {
        switch command {
        case .claimWork(let kind, let wanted, let subdir, let variant, let lease):
            try requireRunnerOrReleaseManager(actor, command)
            // A finished train has no work; before the first RC, a claim just finds none.
            try requireStage(command, in: Stage.path)
            return claimEvents(
                kind: kind, member: wanted, in: CellSelection(subdir: subdir, variant: variant), lease: lease,
                by: actor, at: now)

        case .extendLease(let id, let lease):
            try requireRunnerOrReleaseManager(actor, command)
            try requireStage(command, in: Stage.path)
            _ = try requireClaim(id, by: actor)
            return [.leaseExtended(work: id, until: now.addingTimeInterval(TimeInterval(lease)))]

        case .reportWork(let id, let passed, let log):
            try requireRunnerOrReleaseManager(actor, command)
            let claim = try requireClaim(id, by: actor)
            let result: TrainCommand =
                switch claim.kind {
                case .build:
                    .reportBuild(member: claim.member ?? "", rc: claim.rc, passed: passed, log: log, cell: claim.cell)
                case .test:
                    .reportTest(member: claim.member ?? "", rc: claim.rc, passed: passed, log: log, cell: claim.cell)
                case .integration: .reportIntegration(rc: claim.rc, passed: passed, log: log)
                }
            var reported = self
            reported.apply(.workReported(work: id), by: actor, at: now)
            return [.workReported(work: id)] + (try reported.primaryEvents(result, by: actor, at: now))

        case .registerRC(let number, let artifacts):
            try requireReleaseManager(actor, command)
            try requireStage(command, in: Stage.path)
            guard Train.rcNumbers.contains(number) else { throw TrainRejection.invalidRCNumber(number) }
            if let current = rc, number <= current { throw TrainRejection.rcNotNewer(current: current, given: number) }
            // An RC counts for a subdir only with its file there: the candidate gate then means it.
            guard !artifacts.isEmpty else {
                throw TrainRejection.noRCFiles(number: number, core: core, version: version.description)
            }
            let subdirs = Set(artifacts.map(\.subdir)).sorted()
            var events: [TrainEvent] = [.rcRegistered(number: number, subdirs: subdirs, artifacts: artifacts)]
            if rc != nil {
                for member in members {
                    switch member.state {
                    case .built, .testing, .passed, .failed:
                        if member.buildIsTiedToRC && member.build != nil {
                            events.append(.invalidated(member: member.name, state: .requested))
                        } else if member.state != .built {
                            events.append(.invalidated(member: member.name, state: .built))
                        }
                    case .pending, .requested, .acknowledged, .declined, .excluded:
                        break
                    }
                }
            }
            return events

        case .advance:
            try requireReleaseManager(actor, command)
            try requireStage(command, in: [.planned, .candidate, .companions, .downstream])
            let checks = gate(leaving: stage)
            guard checks.allSatisfy(\.ok) else {
                throw TrainRejection.gateNotMet(from: stage, failing: checks.filter { !$0.ok })
            }
            let next = stage.next!
            var events: [TrainEvent] = [.stageEntered(next, fallback: false)]
            let deadline = now.addingTimeInterval(TimeInterval(policy.ackDeadline.seconds))
            switch next {
            case .companions:
                for member in members where member.reason == .companion && member.state == .pending {
                    events.append(.requested(member: member.name, deadline: deadline))
                }
            case .downstream:
                for member in members
                where (member.reason == .bump || member.reason == .rebuild || member.reason == .companion)
                    && member.state == .pending
                {
                    events.append(.requested(member: member.name, deadline: deadline))
                }
            case .staged:
                events.append(.integrationPending(rc: rc!))
            case .planned, .candidate, .released, .aborted:
                break
            }
            return events

        case .acknowledge(let name, let eta):
            let member = try requireMember(name)
            try requireMaintainerOrReleaseManager(actor, of: member, command)
            try requireStage(command, in: Stage.path)
            try requireState(member, command, in: [.requested, .acknowledged])
            return [.acknowledged(member: name, eta: eta)]

        case .decline(let name, let reason):
            let member = try requireMember(name)
            try requireMaintainerOrReleaseManager(actor, of: member, command)
            try requireStage(command, in: Stage.path)
            try requireReason(reason, command)
            try requireState(member, command, in: [.requested, .acknowledged])
            return [.declined(member: name, reason: reason)]

        case .registerBuild(let name, let buildVersion, let depends, let artifacts):
            let member = try requireMember(name)
            try requireMaintainerOrReleaseManager(actor, of: member, command)
            try requireStage(command, in: [.companions, .downstream, .staged])
            if stage == .companions && member.reason != .companion && member.reason != .support {
                throw TrainRejection.notACompanion(member: name, stage: stage)
            }
            try requireState(
                member, command,
                in: member.reason == .support
                    ? [.pending, .built, .failed, .passed]
                    : [.requested, .acknowledged, .declined, .built, .failed, .passed])
            // The build's own specs must admit the versions of this train.
            if let problem = buildProblem(name, depends) { throw problem }
            var events: [TrainEvent] = [
                .built(
                    member: name, version: buildVersion, rc: rc, depends: depends,
                    artifacts: artifacts.isEmpty ? nil : artifacts)
            ]
            // Members whose pin excludes this newly registered version now need a bump.
            for bump in bumps(afterBuildOf: name, version: buildVersion) {
                events.append(.becameBump(member: bump.member, why: bump.why))
                if stage >= .downstream {
                    events.append(
                        .requested(
                            member: bump.member,
                            deadline: now.addingTimeInterval(TimeInterval(policy.ackDeadline.seconds))
                        )
                    )
                }
            }
            return events

        case .startTest(let name, let cell):
            let member = try requireMember(name)
            try requireRunnerOrReleaseManager(actor, command)
            try requireStage(command, in: [.companions, .downstream, .staged])
            guard rc != nil else { throw TrainRejection.noRC }
            if stage == .companions && member.reason != .companion && member.reason != .support {
                throw TrainRejection.notACompanion(member: name, stage: stage)
            }
            if let cell {
                try requireCell(cell, of: member)
                try requireState(member, command, in: [.built, .testing, .failed])
            } else {
                try requireState(member, command, in: [.built, .failed])
            }
            let waiting = member.parents.filter { parent in
                guard let parentMember = self.member(parent) else { return false }
                return parentMember.state != .excluded && !parentMember.isSettled(against: rc)
            }
            if !waiting.isEmpty { throw TrainRejection.waitingFor(member: name, parents: waiting) }
            let blocking = excludedParentsNotAdmitted(by: member)
            if !blocking.isEmpty { throw TrainRejection.blockedByExclusion(member: name, parents: blocking) }
            return [.testStarted(member: name, cell: cell)]

        case .abandonTest(let name, let cell):
            let member = try requireMember(name)
            guard actor == .policy || isReleaseManager(actor) else {
                throw TrainRejection.notAllowed(actor: actor.description, command: command.name, needs: "the policy")
            }
            try requireState(member, command, in: [.testing])
            return [.testAbandoned(member: name, cell: cell)]

        case .reportTest(let name, let reportedRC, let passed, let log, let cell):
            let member = try requireMember(name)
            try requireRunnerOrReleaseManager(actor, command)
            try requireStage(command, in: [.companions, .downstream, .staged])
            guard reportedRC == rc else { throw TrainRejection.staleRC(given: reportedRC, current: rc) }
            if let cell {
                try requireCell(cell, of: member)
                try requireState(member, command, in: [.testing, .built, .failed])
            } else {
                try requireState(member, command, in: [.testing])
            }
            return [.tested(member: name, rc: reportedRC, passed: passed, log: log, cell: cell)]

        case .reportBuild(let name, let reportedRC, let passed, let log, let cell):
            let member = try requireMember(name)
            try requireRunnerOrReleaseManager(actor, command)
            try requireStage(command, in: [.companions, .downstream, .staged])
            guard reportedRC == rc else { throw TrainRejection.staleRC(given: reportedRC, current: rc) }
            guard member.buildIsTiedToRC else { throw TrainRejection.notBuiltByCI(member: name) }
            if let cell { try requireCell(cell, of: member) }
            if passed {
                guard member.build?.rc == reportedRC else {
                    throw TrainRejection.buildNotStaged(member: name, rc: reportedRC)
                }
                if let cell, cellsToBuild(of: member).contains(where: { $0.key == cell }) {
                    throw TrainRejection.buildNotStaged(member: name, rc: reportedRC)
                }
            } else if cell == nil {
                try requireState(member, command, in: [.requested, .acknowledged])
            }
            return [.buildReported(member: name, rc: reportedRC, passed: passed, log: log, cell: cell)]

        case .reportIntegration(let reportedRC, let passed, let log):
            try requireRunnerOrReleaseManager(actor, command)
            try requireStage(command, in: [.staged])
            guard reportedRC == rc else { throw TrainRejection.staleRC(given: reportedRC, current: rc) }
            return [.integrationReported(rc: reportedRC, passed: passed, log: log)]

        case .exclude(let name, let reason, let cascade):
            let member = try requireMember(name)
            try requireReleaseManager(actor, command)
            try requireStage(command, in: Stage.path)
            try requireReason(reason, command)
            guard member.state != .excluded else {
                throw TrainRejection.memberState(
                    member: name,
                    state: member.state,
                    command: command.name,
                    expected: MemberState.allCases.filter { $0 != .excluded }
                )
            }
            var events: [TrainEvent] = [.excluded(member: name, reason: reason, byPolicy: false)]
            if cascade {
                var excluded: Set<String> = [name]
                for other in members where other.state != .excluded && !excluded.contains(other.name) {
                    if other.parents.contains(where: excluded.contains) {
                        excluded.insert(other.name)
                        events.append(
                            .excluded(
                                member: other.name, reason: "depends on \(name), excluded: \(reason)", byPolicy: false)
                        )
                    }
                }
            }
            return events

        case .waive(let name, let reason):
            let member = try requireMember(name)
            try requireReleaseManager(actor, command)
            try requireStage(command, in: Stage.path)
            try requireReason(reason, command)
            try requireState(member, command, in: [.failed])
            return [.waived(member: name, reason: reason)]

        case .markFinal(let finalRC):
            try requireReleaseManager(actor, command)
            try requireStage(command, in: [.staged])
            guard finalRC == rc else { throw TrainRejection.staleRC(given: finalRC, current: rc) }
            return [.markedFinal(rc: finalRC)]

        case .release:
            try requireReleaseManager(actor, command)
            try requireStage(command, in: [.staged])
            let checks = gate(leaving: .staged)
            guard checks.allSatisfy(\.ok) else {
                throw TrainRejection.gateNotMet(from: .staged, failing: checks.filter { !$0.ok })
            }
            return [.released]

        case .recordInstallability(let verdict, let detail, let figures):
            try requireReleaseManager(actor, command)
            try requireStage(command, in: [.staged])
            return [.installabilityChecked(verdict: verdict, detail: detail, figures: figures)]

        case .abort(let reason):
            try requireReleaseManager(actor, command)
            try requireStage(command, in: Stage.path)
            try requireReason(reason, command)
            return [.aborted(reason: reason)]

        case .sweepDeadlines:
            guard actor == .policy || isReleaseManager(actor) else {
                throw TrainRejection.notAllowed(actor: actor.description, command: command.name, needs: "the policy")
            }
            try requireStage(command, in: Stage.path)
            return followUps(at: now)
        }
    }

    /// The retest members whose pin excludes `version` of their parent `name`: each needs a bump
    /// once that build is the train's, with the spec that decided it.
    package func bumps(afterBuildOf name: String, version: Version) -> [(member: String, why: String)] {
        var result: [(member: String, why: String)] = []
        for other in members where other.parents.contains(name) && other.reason == .retest {
            for text in other.depends {
                guard let spec = try? MatchSpec(text), spec.exactName == name, let versionSpec = spec.version,
                    !versionSpec.matches(version)
                else { continue }
                result.append((other.name, "'\(text)' excludes \(name) \(version)"))
                break
            }
        }
        return result
    }

    // MARK: - Guards

    package func isReleaseManager(_ actor: Actor) -> Bool {
        if case .person(let name) = actor { return releaseManagers.contains(name) }
        return false
    }

    private func requireReleaseManager(_ actor: Actor, _ command: TrainCommand) throws {
        guard isReleaseManager(actor) else {
            throw TrainRejection.notAllowed(actor: actor.description, command: command.name, needs: "a release manager")
        }
    }

    private func requireMaintainerOrReleaseManager(_ actor: Actor, of member: TrainMember, _ command: TrainCommand)
        throws
    {
        if isReleaseManager(actor) { return }
        if case .person(let name) = actor, member.maintainers.contains(name) { return }
        throw TrainRejection.notAllowed(
            actor: actor.description,
            command: command.name,
            needs: "a maintainer of \(member.name) (\(member.maintainers.joined(separator: ", "))) or a release manager"
        )
    }

    private func requireRunnerOrReleaseManager(_ actor: Actor, _ command: TrainCommand) throws {
        if isReleaseManager(actor) { return }
        if case .runner = actor { return }
        throw TrainRejection.notAllowed(
            actor: actor.description, command: command.name, needs: "a CI runner or a release manager")
    }

    private func requireStage(_ command: TrainCommand, in allowed: [Stage]) throws {
        guard allowed.contains(stage) else {
            throw TrainRejection.wrongStage(command: command.name, stage: stage, allowed: allowed)
        }
    }

    /// The claim `id`, held by `actor`.
    private func requireClaim(_ id: String, by actor: Actor) throws -> WorkClaim {
        guard let claim = heldClaims.first(where: { $0.id == id }) else { throw TrainRejection.unknownWork(id) }
        guard claim.runner == actor.name else { throw TrainRejection.notYourClaim(id: id, holder: claim.runner) }
        return claim
    }

    private func requireCell(_ cell: String, of member: TrainMember) throws {
        let cells = requiredCells(of: member).map(\.key)
        guard cells.contains(cell) else {
            throw TrainRejection.unknownCell(member: member.name, cell: cell, cells: cells)
        }
    }

    private func requireMember(_ name: String) throws -> TrainMember {
        guard let member = member(name) else { throw TrainRejection.unknownMember(name) }
        return member
    }

    private func requireState(_ member: TrainMember, _ command: TrainCommand, in allowed: [MemberState]) throws {
        guard allowed.contains(member.state) else {
            throw TrainRejection.memberState(
                member: member.name,
                state: member.state,
                command: command.name,
                expected: allowed
            )
        }
    }

    private func requireReason(_ reason: String, _ command: TrainCommand) throws {
        guard !reason.allSatisfy(\.isWhitespace) else { throw TrainRejection.missingReason(command: command.name) }
        guard reason.count <= Train.maxReasonLength else {
            throw TrainRejection.reasonTooLong(command: command.name, length: reason.count)
        }
    }
}

extension Train {
    /// RC numbers a train takes: a later RC must have a higher number, so one of Int.max would
    /// leave the train no RC to come.
    package static let rcNumbers: ClosedRange<Int> = 1...999

    /// The longest reason (abort, decline, exclude, waive) a train records, in characters.
    package static let maxReasonLength = 2_000
}
