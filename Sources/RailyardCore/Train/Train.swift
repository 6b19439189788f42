import Foundation

/// One torch release moving through its stages: the state the machine decides on.
///
/// A train changes only by applying events (`apply`); commands are decided by `decide`, which
/// reads the state, the actor and the time it is given and returns events or a rejection that
/// names the failed guard.
package struct Train: Sendable, Equatable, Codable {
    /// The core's new version: the final version number every spec is judged against.
    package var version: Version
    package var kind: TrainKind
    package var core: String
    package var stage: Stage
    /// Incremented by every accepted command (the store keeps it; the machine reads it).
    package var revision: Int
    /// The current release candidate's number.
    package var rc: Int?
    /// The subdirs the current RC has artifacts for.
    package var rcSubdirs: [String]
    /// The current RC's files on the staging label.
    package var rcArtifacts: [Artifact]?
    /// The subdirs every RC must cover.
    package var requiredSubdirs: [String]
    /// The members in plan order (waves).
    package var members: [TrainMember]
    package var releaseManagers: [String]
    package var policy: Policy
    /// The all-together run of the staged train.
    package var integration: Integration?
    /// The RC a release manager marked final.
    package var finalRC: Int?
    package var history: [StageEntry]
    package var abortReason: String?
    package var createdAt: Date
    /// The CI work held now (nil: none), as the events left it.
    package var claims: [WorkClaim]? = nil
    /// The catalog's variant keys, expected cells and exemptions (nil: none declared).
    package var variantRules: VariantRules? = nil
    /// The catalog's `solver:` section: nil when the promotion asks no solver.
    package var solving: SolvingRules? = nil
    /// Which train of its version this is: 2 and up for a train created after an earlier one
    /// was aborted (nil: the first).
    package var attempt: Int? = nil
    /// The train that took this one's place (`train supersede`), once it ended so.
    package var supersededBy: String? = nil
    /// The train whose place this one took.
    package var supersedes: String? = nil

    /// The train's name: its version, with `-N` for the Nth train of that version
    /// (`2.1.0-2`; conda versions never hold a `-`).
    package var name: String {
        guard let attempt, attempt > 1 else { return version.description }
        return "\(version)-\(attempt)"
    }

    /// Which train of its version a new one would be, given the trains of that version so far
    /// (their names and stages): `.success(nil)` for the first, `.success(N)` for the Nth once
    /// every earlier one was aborted, `.failure(NAME)` naming the train still standing (active or
    /// released) in its way.
    package static func attempt(after earlier: [(name: String, stage: Stage)]) -> Result<Int?, TrainStanding> {
        if let standing = earlier.first(where: { $0.stage != .aborted }) {
            return .failure(TrainStanding(name: standing.name))
        }
        return .success(earlier.isEmpty ? nil : earlier.count + 1)
    }

    /// The channel label its builds are staged on until the promotion: `train-NAME`.
    package var stagingLabel: String { "train-\(name)" }

    /// The all-together run: every member on the staging label tested at once.
    package struct Integration: Sendable, Equatable, Codable {
        package var rc: Int
        /// nil while it has not reported.
        package var passed: Bool?
        package var log: String?

        package init(rc: Int, passed: Bool?, log: String?) {
            self.rc = rc
            self.passed = passed
            self.log = log
        }
    }

    /// When the train entered a stage, and who moved it.
    package struct StageEntry: Sendable, Equatable, Codable {
        package var stage: Stage
        package var at: Date
        package var by: String
        package var fallback: Bool
    }

    /// A new train in `planned` for `plan`, with members from the plan over `catalog`.
    /// Companions, bumps and rebuilds start `pending`; retest members start `built` (their current
    /// build is the candidate). Only the catalog's release managers create trains.
    package static func create(plan: Plan, catalog: Catalog, by actor: Actor, at time: Date) throws(TrainRejection)
        -> Train
    {
        guard case .person(let name) = actor, catalog.releaseManagers.contains(name) else {
            throw TrainRejection.notAllowed(
                actor: actor.description,
                command: "create",
                needs: "a release manager (\(catalog.releaseManagers.joined(separator: ", ")))"
            )
        }
        let members = plan.members.map { planned -> TrainMember in
            let package = catalog[planned.name]!
            return TrainMember(
                name: planned.name,
                reason: planned.reason,
                wave: planned.wave,
                parents: planned.parents,
                maintainers: package.maintainers,
                isABICoupled: package.isABICoupled,
                depends: package.depends.map(\.spec.description),
                currentVersion: package.version,
                targetVersion: planned.newVersion,
                state: planned.reason == .retest ? .built : .pending,
                since: time,
                requestedAt: nil,
                deadline: nil,
                eta: nil,
                build: nil,
                result: nil,
                attempts: 0,
                declineReason: nil,
                exclusion: nil,
                waiver: nil,
                why: planned.why
            )
        }
        let platformSubdirs = catalog.subdirs.filter { $0 != "noarch" }
        return Train(
            version: plan.version,
            kind: plan.kind,
            core: plan.core,
            stage: .planned,
            revision: 0,
            rc: nil,
            rcSubdirs: [],
            rcArtifacts: nil,
            requiredSubdirs: platformSubdirs.isEmpty ? catalog.subdirs : platformSubdirs,
            members: members,
            releaseManagers: catalog.releaseManagers,
            policy: catalog.policy,
            integration: nil,
            finalRC: nil,
            history: [StageEntry(stage: .planned, at: time, by: actor.description, fallback: false)],
            abortReason: nil,
            createdAt: time,
            variantRules: catalog.variants == VariantRules() ? nil : catalog.variants,
            solving: catalog.solving
        )
    }

    package func member(_ name: String) -> TrainMember? { members.first { $0.name == name } }

    package func index(of name: String) -> Int? { members.firstIndex { $0.name == name } }

    /// The version the train has for `name`: the core's new version, a member's target version.
    /// Support packages have none: their versions live side by side on `main` (pytorch-cuda
    /// 11.8 and 12.1 for the CUDA builds of one release).
    package func trainVersion(of name: String) -> Version? {
        if name == core { return version }
        guard let member = member(name), member.reason != .support else { return nil }
        return member.targetVersion
    }

    // MARK: - Applying events

    /// Applies the events of one accepted command and moves the revision on.
    package mutating func apply(_ events: [TrainEvent], by actor: Actor, at time: Date) {
        for event in events { apply(event, by: actor, at: time) }
        revision += 1
    }

    /// Applies one event.
    package mutating func apply(_ event: TrainEvent, by actor: Actor, at time: Date) {
        switch event {
        case .created(let initial):
            self = initial
        case .rcRegistered(let number, let subdirs, let artifacts):
            rc = number
            rcSubdirs = subdirs
            rcArtifacts = artifacts
            integration = nil
            finalRC = nil
            for index in members.indices {
                members[index].attempts = 0
                members[index].buildFailure = nil
                members[index].cellResults = nil
            }
        case .invalidated(let name, let state):
            let ackDeadline = TimeInterval(policy.ackDeadline.seconds)
            update(name) { member in
                member.state = state
                member.since = time
                member.result = nil
                member.cellResults = nil
                member.waiver = nil
                if state == .requested {
                    member.build = nil
                    member.requestedAt = time
                    member.deadline = time.addingTimeInterval(ackDeadline)
                    member.followUp = nil
                }
            }
        case .stageEntered(let stage, let fallback):
            self.stage = stage
            history.append(StageEntry(stage: stage, at: time, by: actor.description, fallback: fallback))
            if stage < .staged { integration = nil }
        case .requested(let name, let deadline):
            update(name) { member in
                member.state = .requested
                member.since = time
                member.requestedAt = time
                member.deadline = deadline
                member.followUp = nil
            }
        case .acknowledged(let name, let eta):
            update(name) { member in
                if member.state != .acknowledged { member.since = time }
                member.state = .acknowledged
                member.eta = eta
            }
        case .declined(let name, let reason):
            update(name) { member in
                member.state = .declined
                member.since = time
                member.declineReason = reason
            }
        case .built(let name, let version, let rc, let depends, let artifacts):
            update(name) { member in
                member.state = .built
                member.since = time
                member.build = TrainMember.MemberBuild(
                    version: version, rc: rc, by: actor.description, at: time, artifacts: artifacts)
                member.targetVersion = version
                member.depends = depends
                member.result = nil
                member.cellResults = nil
                member.waiver = nil
                member.attempts = 0
                member.declineReason = nil
                member.buildFailure = nil
            }
            if integration != nil, let rc = self.rc { integration = Integration(rc: rc, passed: nil, log: nil) }
        case .buildReported(let name, let rc, let passed, let log, let cell):
            guard !passed else { break }
            update(name) { member in
                let earlier = member.buildFailure.flatMap { $0.rc == rc ? $0.attempts : nil } ?? 0
                let log = cell.map { "\($0): " + (log ?? "failed") } ?? log
                member.buildFailure = TrainMember.BuildFailure(rc: rc, attempts: earlier + 1, log: log, at: time)
            }
        case .becameBump(let name, let why):
            update(name) { member in
                member.reason = .bump
                member.why = why
                if member.state == .built || member.state == .passed || member.state == .failed
                    || member.state == .testing
                {
                    member.state = .pending
                    member.since = time
                    member.result = nil
                }
            }
        case .testStarted(let name, let cell):
            update(name) { member in
                member.attempts += 1
                // One cell failing keeps the member failed while its other cells are tested.
                if cell != nil && member.state == .failed { return }
                if member.state != .testing { member.since = time }
                member.state = .testing
            }
        case .testAbandoned(let name, let cell):
            guard let cell, let member = member(name) else {
                update(name) { member in
                    member.state = member.result.map { $0.passed ? .passed : .failed } ?? .built
                    member.since = time
                }
                break
            }
            let (state, result) = stateFromCells(of: member, excludingClaimOf: cell)
            update(name) { member in
                member.state = state
                member.result = result
                member.since = time
            }
        case .tested(let name, let rc, let passed, let log, let cell):
            let result = TrainMember.TestResult(rc: rc, passed: passed, log: log, at: time)
            guard let cell else {
                update(name) { member in
                    member.state = passed ? .passed : .failed
                    member.since = time
                    member.result = result
                    member.cellResults = nil
                }
                break
            }
            update(name) { member in
                var results = member.cellResults ?? [:]
                results[cell] = result
                member.cellResults = results
            }
            // A waiver stands: the cell's result is recorded, the member stays passed.
            guard let member = member(name), member.waiver == nil else { break }
            let (state, summary) = stateFromCells(of: member, excludingClaimOf: cell)
            update(name) { member in
                if member.state != state { member.since = time }
                member.state = state
                member.result = summary
            }
        case .excluded(let name, let reason, let byPolicy):
            update(name) { member in
                member.state = .excluded
                member.since = time
                member.exclusion = TrainMember.Note(reason: reason, by: actor.description, at: time, byPolicy: byPolicy)
            }
            if integration != nil, let rc = self.rc { integration = Integration(rc: rc, passed: nil, log: nil) }
        case .waived(let name, let reason):
            update(name) { member in
                member.state = .passed
                member.since = time
                member.waiver = TrainMember.Note(reason: reason, by: actor.description, at: time, byPolicy: false)
            }
        case .integrationPending(let rc):
            integration = Integration(rc: rc, passed: nil, log: nil)
        case .integrationReported(let rc, let passed, let log):
            integration = Integration(rc: rc, passed: passed, log: log)
        case .markedFinal(let rc):
            finalRC = rc
        case .installabilityChecked:
            break
        case .released:
            stage = .released
            history.append(StageEntry(stage: .released, at: time, by: actor.description, fallback: false))
        case .aborted(let reason):
            stage = .aborted
            abortReason = reason
            history.append(StageEntry(stage: .aborted, at: time, by: actor.description, fallback: false))
        case .superseded(let next, _):
            stage = .aborted
            abortReason = "superseded by train \(next)"
            supersededBy = next
            claims = nil
            history.append(StageEntry(stage: .aborted, at: time, by: actor.description, fallback: false))
        case .supersedes(let earlier, _):
            supersedes = earlier
        case .carried(let name, _, let work):
            update(name) { member in
                member.since = time
                switch work {
                case .acknowledgement(let eta, let requestedAt, let deadline):
                    member.state = .acknowledged
                    member.eta = eta
                    member.requestedAt = requestedAt
                    member.deadline = deadline
                case .decline(let reason):
                    member.state = .declined
                    member.declineReason = reason
                case .exclusion(let note):
                    member.state = .excluded
                    member.exclusion = note
                case .build(let build, let depends):
                    member.state = .built
                    member.build = TrainMember.MemberBuild(
                        version: build.version, rc: nil, by: build.by, at: build.at, artifacts: build.artifacts)
                    member.targetVersion = build.version
                    member.depends = depends
                }
            }
        case .reminded(let name, let number):
            followUp(name) { $0.reminders = number }
        case .deadlinePassed(let name):
            followUp(name) { $0.deadlineNoticed = true }
        case .escalated(let names):
            for name in names {
                followUp(name) { $0.escalated = true }
            }
        case .retirementProposed(let name):
            followUp(name) { $0.retirementProposed = true }
        case .workClaimed(let claim):
            claims = heldClaims + [claim]
        case .leaseExtended(let work, let until):
            claims = heldClaims.map { claim in
                var claim = claim
                if claim.id == work { claim.leaseUntil = until }
                return claim
            }
        case .leaseExpired(let work), .workReported(let work):
            let rest = heldClaims.filter { $0.id != work }
            claims = rest.isEmpty ? nil : rest
        }
    }

    private mutating func followUp(_ name: String, _ change: (inout TrainMember.FollowUp) -> Void) {
        update(name) { member in
            var followUp = member.followUp ?? TrainMember.FollowUp()
            change(&followUp)
            member.followUp = followUp
        }
    }

    private mutating func update(_ name: String, _ change: (inout TrainMember) -> Void) {
        guard let index = index(of: name) else { return }
        change(&members[index])
    }
}

/// The train that stands in the way of a new train of its version: active, or released.
package struct TrainStanding: Error, Sendable, Equatable {
    package var name: String
}
