import Foundation

/// Work of a member that a superseding train takes over from the train it ends.
package enum CarriedWork: Sendable, Equatable, Codable {
    /// The maintainers' answer to the request, with its ETA; the request's time and deadline stay.
    case acknowledgement(eta: Date?, requestedAt: Date?, deadline: Date?)
    /// The maintainers declined, for this reason.
    case decline(reason: String)
    /// A release manager (or the policy) took it out of the train.
    case exclusion(TrainMember.Note)
    /// A build whose specs admit the new train's versions: a candidate, to be tested again.
    case build(TrainMember.MemberBuild, depends: [String])

    /// What it is, as the logs and `--json` name it.
    package var kind: String {
        switch self {
        case .acknowledgement: "acknowledgement"
        case .decline: "decline"
        case .exclusion: "exclusion"
        case .build: "build"
        }
    }
}

/// What a supersession did with one piece of a member's work: carried into the new train, or
/// left behind, and why. Nothing is left out of the list: it is recorded in both trains' logs.
package struct Carry: Sendable, Equatable, Codable {
    package var member: String
    /// `acknowledgement`, `decline`, `exclusion`, `build`, `request`, `test result`, `waiver`, `rc`.
    package var what: String
    package var carried: Bool
    /// What was carried (`ETA 2026-12-01`, `0.7.1 as a candidate, to be retested`) or why not.
    package var detail: String

    package init(member: String, what: String, carried: Bool, detail: String) {
        self.member = member
        self.what = what
        self.carried = carried
        self.detail = detail
    }

    /// `kornia: build carried: …`, `torchvision: build left: …`.
    package var line: String { "\(member): \(what) \(carried ? "carried" : "not carried"): \(detail)" }
}

/// What `train supersede` decided: the events that end the old train, the events the new one
/// starts with after its creation, and the list of what was carried and what was not.
package struct Supersession: Sendable, Equatable {
    package var ended: [TrainEvent]
    package var started: [TrainEvent]
    package var carries: [Carry]
}

extension Train {
    /// Ends this train, which will not ship, in favour of `next` (a new train of the same core,
    /// at a newer version, just created from the catalog's plan) and carries over what still
    /// holds, member by member:
    ///
    /// | in this train | in `next` |
    /// |---|---|
    /// | acknowledged, with its ETA | acknowledged, same ETA and deadline, when `next` asks the member for work |
    /// | declined, with its reason | declined, same reason, when `next` asks the member for work |
    /// | excluded | excluded, same reason, who and when |
    /// | a build whose specs admit `next`'s versions | `built`: a candidate, tested again against `next`'s RCs |
    ///
    /// Everything else is listed as not carried, with the reason: an unanswered request (asked
    /// again), a build of a companion or a C++/CUDA member (redone against each RC), a build
    /// whose specs exclude the new versions, test results and waivers (they hold for this
    /// train's RCs), the RC itself, and any work of a member `next` does not have.
    ///
    /// Only a release manager of this train supersedes it, only while it is active, only by a
    /// newer train of the same core.
    package func supersede(by next: Train, by actor: Actor, at time: Date) -> Result<Supersession, TrainRejection> {
        guard isReleaseManager(actor) else {
            return .failure(.notAllowed(actor: actor.description, command: "supersede", needs: "a release manager"))
        }
        guard Stage.path.contains(stage) else {
            return .failure(.wrongStage(command: "supersede", stage: stage, allowed: Stage.path))
        }
        guard next.core == core, next.version > version else {
            return .failure(
                .supersedeNotNewer(
                    train: name, core: core, version: version.description, by: "\(next.core) \(next.version)"))
        }
        var carries: [Carry] = []
        var started: [TrainEvent] = []
        if let rc {
            carries.append(
                Carry(
                    member: core, what: "rc", carried: false,
                    detail:
                        "RC \(rc) of \(version) is not a candidate for \(next.version): register \(next.name)'s own RCs"
                ))
        }
        // A carried build is the new train's build: retest members whose pin excludes it need a
        // bump there, as registering it would decide; what their maintainers answered here is
        // then judged against that.
        var target = next
        var bumps: [TrainEvent] = []
        for member in members {
            for case (_, .build(let build, _)?) in carry(member, into: next) {
                for bump in next.bumps(afterBuildOf: member.name, version: build.version) {
                    let event = TrainEvent.becameBump(member: bump.member, why: bump.why)
                    target.apply(event, by: actor, at: time)
                    bumps.append(event)
                }
            }
        }
        for member in members {
            for (carry, work) in carry(member, into: target) {
                carries.append(carry)
                if let work { started.append(.carried(member: member.name, from: name, work: work)) }
            }
        }
        let ended: [TrainEvent] = [.superseded(by: next.name, carries: carries)]
        return .success(
            Supersession(
                ended: ended, started: [.supersedes(train: name, carries: carries)] + bumps + started,
                carries: carries))
    }

    /// What happens to `member`'s work when `next` supersedes this train.
    private func carry(_ member: TrainMember, into next: Train) -> [(Carry, CarriedWork?)] {
        let name = member.name
        var decided: [(Carry, CarriedWork?)] = []
        func left(_ what: String, _ detail: String) {
            decided.append((Carry(member: name, what: what, carried: false, detail: detail), nil))
        }
        func kept(_ work: CarriedWork, _ detail: String) {
            decided.append((Carry(member: name, what: work.kind, carried: true, detail: detail), work))
        }
        let target = next.member(name)
        let missing = "\(name) is not in \(next.name)'s plan"
        let retested = "\(name) is tested again against \(next.name)'s RCs"
        // An answer to a request carries only where the new train asks the member for work too.
        func answer(_ work: CarriedWork, _ detail: String) {
            guard let target else { return left(work.kind, missing) }
            guard target.reason != .retest, target.reason != .support else {
                return left(work.kind, "\(next.name) asks no work of \(name): its specs admit \(next.version)")
            }
            kept(work, detail)
        }
        switch member.state {
        case .requested:
            left("request", target == nil ? missing : "unanswered: \(next.name) asks again when it requests \(name)")
        case .acknowledged:
            answer(
                .acknowledgement(eta: member.eta, requestedAt: member.requestedAt, deadline: member.deadline),
                member.eta.map { "ETA \(Self.day($0))" } ?? "no ETA")
        case .declined:
            answer(.decline(reason: member.declineReason ?? ""), member.declineReason ?? "")
        case .excluded:
            if let note = member.exclusion {
                if target == nil { left("exclusion", missing) } else { kept(.exclusion(note), note.reason) }
            }
        case .pending, .built, .testing, .passed, .failed:
            break
        }
        if member.state == .excluded || member.state == .declined, let build = member.build {
            left(
                "build",
                "\(build.version): \(name) is \(member.state.rawValue) in \(self.name); stage the build on \(next.name)"
                    + " if it is wanted there")
        } else if let build = member.build {
            if target == nil {
                left("build", missing)
            } else if member.buildIsTiedToRC || target!.buildIsTiedToRC {
                left(
                    "build",
                    "\(build.version) was built against \(self.name)\(build.rc.map { " RC \($0)" } ?? ""); a companion's"
                        + " or C++/CUDA build is redone against each RC of \(next.name)")
            } else if let problem = next.buildProblem(name, member.depends) {
                left("build", "\(build.version): \(problem)")
            } else {
                kept(.build(build, depends: member.depends), "\(build.version) as a candidate, to be tested again")
            }
        }
        if member.result != nil, member.state != .excluded {
            left("test result", target == nil ? missing : "results hold for \(self.name)'s RCs only: \(retested)")
        }
        if member.waiver != nil {
            left("waiver", target == nil ? missing : "a waiver holds for \(self.name)'s RCs only: \(retested)")
        }
        return decided
    }

    private static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    /// Why `depends`, a build's specs, do not fit this train: a spec that excludes the train's
    /// version of the package it names, or one that is not a spec. nil when they fit.
    package func buildProblem(_ member: String, _ depends: [String]) -> TrainRejection? {
        for text in depends {
            let spec: MatchSpec
            do {
                spec = try MatchSpec(text)
            } catch {
                return .invalidSpec(member: member, spec: text, message: error.explanation)
            }
            guard let target = spec.exactName, target != member, let version = trainVersion(of: target) else {
                continue
            }
            if let versionSpec = spec.version, !versionSpec.matches(version) {
                return .buildExcludesTrain(member: member, spec: text, package: target, version: version.description)
            }
        }
        return nil
    }
}
