import Foundation

/// Someone the train must tell about something: what a command's events call for. The store
/// writes each to its outbox in the same transaction; the notifications driver delivers them.
package struct Notice: Sendable, Equatable {
    /// The event's position among the command's events (with the revision, a stable id).
    package var position: Int
    /// `request`, `reminder`, `blocked`, `excluded`, `escalation`, `retirement`, `stage`, `rc`,
    /// `released`, `aborted`, or `digest` (what a stage change, RC or release means for maintainers).
    package var kind: String
    package var recipients: [String]
    package var payload: [String: String]
}

extension Train {
    /// Who must be told what after `events` were applied to this train: maintainers when their
    /// package is asked for a bump or rebuild or becomes blocked-by something (a parent's block
    /// does not notify the children's maintainers), release managers on every stage change, RC,
    /// decline, exclusion, release and abort; and every maintainer of a member still in the train
    /// gets a digest of stage changes, RCs and the release. Reminders go to the maintainers,
    /// escalations and retirement proposals to the release managers.
    package func notices(for events: [TrainEvent]) -> [Notice] {
        let train = self
        var notifications: [Notice] = []
        let version = train.name
        func maintainers(_ name: String) -> [String] { train.member(name)?.maintainers ?? [] }
        for (position, event) in events.enumerated() {
            var kind: String? = nil
            var recipients: [String] = []
            var payload: [String: String] = ["train": version]
            switch event {
            case .requested(let member, let deadline):
                kind = "request"
                recipients = maintainers(member)
                payload["member"] = member
                payload["reason"] = train.member(member)?.reason.rawValue
                payload["why"] = train.member(member)?.why
                payload["current"] = train.member(member)?.currentVersion.description
                payload["target"] = train.member(member)?.targetVersion?.description
                payload["deadline"] = iso(deadline)
            case .reminded(let member, let number):
                kind = "reminder"
                recipients = maintainers(member)
                payload["member"] = member
                payload["number"] = String(number)
                payload["reason"] = train.member(member)?.reason.rawValue
                payload["why"] = train.member(member)?.why
                payload["deadline"] = train.member(member)?.deadline.map(iso)
            case .deadlinePassed(let member):
                kind = "blocked"
                recipients = maintainers(member)
                payload["member"] = member
                payload["detail"] = "request unanswered past its deadline"
                payload["deadline"] = train.member(member)?.deadline.map(iso)
            case .escalated(let members):
                kind = "escalation"
                recipients = train.releaseManagers
                payload["members"] = members.joined(separator: ", ")
                payload["detail"] = members.map { name in
                    let since = train.member(name)?.requestedAt.map(iso) ?? "?"
                    return "\(name) (maintainers: \(maintainers(name).joined(separator: ", ")), asked \(since))"
                }.joined(separator: "\n")
            case .retirementProposed(let member):
                kind = "retirement"
                recipients = train.releaseManagers
                payload["member"] = member
                let since = train.member(member)?.requestedAt.map(iso) ?? "?"
                payload["detail"] = "unanswered since \(since), past retire_after (\(train.policy.retireAfter))"
            case .becameBump(let member, let why):
                kind = "request"
                recipients = maintainers(member)
                payload["member"] = member
                payload["reason"] = "bump"
                payload["why"] = why
            case .declined(let member, let reason):
                kind = "blocked"
                recipients = maintainers(member) + train.releaseManagers
                payload["member"] = member
                payload["detail"] = "declined: \(reason)"
            case .tested(let member, let rc, false, let log, let cell):
                kind = "blocked"
                recipients = maintainers(member)
                payload["member"] = member
                payload["detail"] = "test failed against RC \(rc)" + (cell.map { " in \($0)" } ?? "")
                payload["log"] = log
            case .buildReported(let member, let rc, false, let log, let cell):
                kind = "blocked"
                recipients = maintainers(member)
                payload["member"] = member
                payload["detail"] = "build failed against RC \(rc)" + (cell.map { " in \($0)" } ?? "")
                payload["log"] = log
            case .excluded(let member, let reason, _):
                kind = "excluded"
                recipients = maintainers(member) + train.releaseManagers
                payload["member"] = member
                payload["detail"] = reason
            case .stageEntered(let stage, let fallback):
                kind = "stage"
                recipients = train.releaseManagers
                payload["stage"] = stage.rawValue
                payload["fallback"] = String(fallback)
            case .rcRegistered(let number, _, _):
                kind = "rc"
                recipients = train.releaseManagers
                payload["rc"] = String(number)
            case .released:
                kind = "released"
                recipients = train.releaseManagers
            case .aborted(let reason):
                kind = "aborted"
                recipients = train.releaseManagers
                payload["detail"] = reason
            case .superseded(let next, _):
                kind = "superseded"
                recipients = train.releaseManagers
                payload["by"] = next
            case .carried(let member, let from, let work) where work.kind != "exclusion":
                kind = "carried"
                recipients = maintainers(member)
                payload["member"] = member
                payload["from"] = from
                payload["what"] = work.kind
                switch work {
                case .acknowledgement(let eta, _, _): payload["eta"] = eta.map(iso)
                case .decline(let reason): payload["detail"] = reason
                case .build(let build, _): payload["version"] = build.version.description
                case .exclusion: break
                }
            case .created, .invalidated, .acknowledged, .built, .testStarted, .testAbandoned, .tested, .buildReported,
                .waived,
                .integrationPending,
                .integrationReported, .markedFinal, .workClaimed, .leaseExtended, .leaseExpired, .workReported,
                .installabilityChecked, .supersedes, .carried:
                break
            }
            if let kind {
                var seen = Set<String>()
                notifications.append(
                    Notice(
                        position: position,
                        kind: kind,
                        recipients: recipients.filter { seen.insert($0).inserted },
                        payload: payload
                    )
                )
            }
            if let kind, ["stage", "rc", "released", "superseded"].contains(kind) {
                var digest = payload
                digest["about"] = kind
                let everyone = train.members.filter { $0.state != .excluded }.flatMap(\.maintainers)
                var seen = Set(recipients)
                let readers = everyone.filter { seen.insert($0).inserted }
                if !readers.isEmpty {
                    notifications.append(
                        Notice(position: position, kind: "digest", recipients: readers, payload: digest))
                }
            }
        }
        return notifications
    }
}

private func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
