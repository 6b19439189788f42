import Foundation

/// The follow-up schedule of unanswered requests: what the deadline sweep decides at a given time.
///
/// A request is unanswered while its member is `requested` (an acknowledgement, a decline or a
/// build answers it). For each unanswered request, counted from when it was made:
///
/// | when | event | told |
/// |---|---|---|
/// | every `reminder_every`, until the deadline | `reminded` (the n-th) | its maintainers |
/// | past the deadline, `on_deadline: escalate` | `deadlinePassed` (blocked-by) | its maintainers |
/// | past the deadline, `on_deadline: exclude` | `excluded` by policy | its maintainers, the release managers |
/// | past `escalate_after` | one `escalated` naming every new laggard | the release managers |
/// | past `retire_after` | `retirementProposed` | the release managers |
///
/// Each happens once per request (a sweep that comes late catches up with one reminder, not
/// several); a new request (a respin) starts the schedule again.
extension Train {
    package func followUps(at now: Date) -> [TrainEvent] {
        var events: [TrainEvent] = []
        var laggards: [String] = []
        for member in members {
            guard member.state == .requested, let requestedAt = member.requestedAt else { continue }
            let done = member.followUp ?? TrainMember.FollowUp()
            let elapsed = now.timeIntervalSince(requestedAt)
            let overdue = member.deadline.map { now > $0 } ?? false
            if overdue && policy.onDeadline == .exclude {
                events.append(
                    .excluded(
                        member: member.name,
                        reason:
                            "\(member.reason.rawValue) request unanswered past its deadline (policy on_deadline: exclude)",
                        byPolicy: true
                    )
                )
                continue
            }
            let every = Double(policy.reminderEvery.seconds)
            if !overdue, every > 0 {
                let due = Int((elapsed / every).rounded(.down))
                if due > done.reminders { events.append(.reminded(member: member.name, number: due)) }
            }
            if overdue && !done.deadlineNoticed {
                events.append(.deadlinePassed(member: member.name))
            }
            if elapsed >= Double(policy.escalateAfter.seconds) && !done.escalated {
                laggards.append(member.name)
            }
            if elapsed >= Double(policy.retireAfter.seconds) && !done.retirementProposed {
                events.append(.retirementProposed(member: member.name))
            }
        }
        if !laggards.isEmpty { events.append(.escalated(members: laggards)) }
        return events
    }
}
