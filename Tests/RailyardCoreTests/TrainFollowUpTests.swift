import Foundation
import RailyardCore
import Testing

/// The follow-up schedule, driven by sweeps at chosen times after the requests of `downstream`
/// were made (policy: ack 7d, reminders every 2d, escalation after 10d, retirement after 60d).
@Suite("Train: reminders, deadlines, escalation and retirement, decided by the sweep")
struct TrainFollowUpTests {
    static let day: TimeInterval = 86_400

    /// A train in downstream, its requests made at `requestedAt`, and the unanswered members.
    static func downstream(onDeadline: Policy.OnDeadline = .escalate) throws -> (TrainScript, Date, [String]) {
        let script = try TrainScript.train(in: .downstream, onDeadline: onDeadline)
        let unanswered = script.train.members.filter { $0.state == .requested }.map(\.name)
        let requestedAt = try #require(script.train.member(unanswered[0])?.requestedAt)
        return (script, requestedAt, unanswered)
    }

    /// Sweeps at `requestedAt + days` and applies what it decides.
    static func sweep(_ script: inout TrainScript, at requestedAt: Date, days: Double) throws -> [TrainEvent] {
        let now = requestedAt.addingTimeInterval(days * day)
        let events = try script.train.decide(.sweepDeadlines, by: .policy, at: now).get()
        script.train.apply(events, by: .policy, at: now)
        script.history.append((events, .policy, now))
        return events
    }

    @Test("the schedule, sweep by sweep: each step once, a late sweep catches up with one reminder")
    func schedule() throws {
        var (script, requestedAt, unanswered) = try Self.downstream()
        #expect(unanswered == ["scatter", "kornia"])  // plan order
        let table: [(days: Double, expected: [TrainEvent])] = [
            (1, []),
            (2.01, [.reminded(member: "scatter", number: 1), .reminded(member: "kornia", number: 1)]),
            (2.5, []),  // the same sweep again: nothing twice
            (6.5, [.reminded(member: "scatter", number: 3), .reminded(member: "kornia", number: 3)]),  // late: one
            (7.01, [.deadlinePassed(member: "scatter"), .deadlinePassed(member: "kornia")]),
            (9, []),  // no reminders past the deadline
            (10.01, [.escalated(members: ["scatter", "kornia"])]),  // one escalation naming both
            (30, []),
            (60.01, [.retirementProposed(member: "scatter"), .retirementProposed(member: "kornia")]),
            (90, []),
        ]
        for (days, expected) in table {
            let events = try Self.sweep(&script, at: requestedAt, days: days)
            #expect(events == expected, "sweep at +\(days)d")
        }
        // The log alone rebuilds the same state, follow-ups included.
        #expect(script.replayed == script.train)
    }

    @Test("an answered request is left alone; a respin starts the schedule again")
    func answeredAndRespun() throws {
        var (script, requestedAt, _) = try Self.downstream()
        try script.must(.acknowledge(member: "kornia", eta: nil), by: TrainScript.team)
        let first = try Self.sweep(&script, at: requestedAt, days: 3)
        #expect(first == [.reminded(member: "scatter", number: 1)])
        // scatter answers with a build; then RC 2 asks its (ABI-coupled) build again: a new request,
        // whose schedule starts over. (kornia stays acknowledged: nothing for it.)
        try script.must(
            .registerBuild(member: "scatter", version: Version("2.1.3"), depends: ["pytorch 2.6.*"]),
            by: TrainScript.team)
        #expect(try Self.sweep(&script, at: requestedAt, days: 3.5).isEmpty)
        script.now = requestedAt.addingTimeInterval(4 * Self.day)
        try script.must(.registerRC(number: 2, artifacts: .rc("linux-64")))
        let scatter = try #require(script.train.member("scatter"))
        #expect(scatter.state == .requested && scatter.followUp == nil)
        let rerequested = try #require(scatter.requestedAt)
        #expect(try Self.sweep(&script, at: rerequested, days: 1.9).isEmpty)
        let later = try Self.sweep(&script, at: rerequested, days: 2.01)
        // torchvision, a companion, was asked again by RC 2 as well.
        #expect(later == [.reminded(member: "scatter", number: 1), .reminded(member: "torchvision", number: 1)])
    }

    @Test("on_deadline: exclude excludes at the deadline, announced to maintainers and release managers")
    func excludeOnDeadline() throws {
        var (script, requestedAt, _) = try Self.downstream(onDeadline: .exclude)
        let events = try Self.sweep(&script, at: requestedAt, days: 7.01)
        let excluded = events.compactMap { event -> String? in
            if case .excluded(let member, _, true) = event { return member }
            return nil
        }
        #expect(excluded == ["scatter", "kornia"] && events.count == 2)
        let notices = script.train.notices(for: events)
        #expect(notices.map(\.kind) == ["excluded", "excluded"])
        #expect(notices[0].recipients == ["team", "alice"])
        #expect(try Self.sweep(&script, at: requestedAt, days: 11).isEmpty)
    }

    @Test("who each follow-up tells: maintainers for reminders and deadlines, release managers for the rest")
    func recipients() throws {
        var (script, requestedAt, _) = try Self.downstream()
        let reminder = script.train.notices(for: try Self.sweep(&script, at: requestedAt, days: 2.01))
        #expect(reminder.map(\.kind) == ["reminder", "reminder"])
        #expect(reminder.allSatisfy { $0.recipients == ["team"] })
        #expect(reminder[0].payload["number"] == "1" && reminder[0].payload["deadline"] != nil)
        let deadline = script.train.notices(for: try Self.sweep(&script, at: requestedAt, days: 7.01))
        #expect(deadline.map(\.kind) == ["blocked", "blocked"])
        #expect(deadline.allSatisfy { $0.recipients == ["team"] })
        let escalation = script.train.notices(for: try Self.sweep(&script, at: requestedAt, days: 10.01))
        #expect(escalation.map(\.kind) == ["escalation"])
        #expect(escalation[0].recipients == ["alice"])
        #expect(escalation[0].payload["members"] == "scatter, kornia")
        let retirement = script.train.notices(for: try Self.sweep(&script, at: requestedAt, days: 61))
        #expect(retirement.map(\.kind) == ["retirement", "retirement"])
        #expect(retirement.allSatisfy { $0.recipients == ["alice"] })
    }

    @Test("only the policy and release managers sweep")
    func whoSweeps() throws {
        let (script, requestedAt, _) = try Self.downstream()
        let later = requestedAt.addingTimeInterval(3 * Self.day)
        #expect(throws: TrainRejection.self) {
            try script.train.decide(.sweepDeadlines, by: TrainScript.team, at: later).get()
        }
        #expect((try? script.train.decide(.sweepDeadlines, by: TrainScript.alice, at: later).get())?.count == 2)
    }
}

@Suite("Notice texts: what a maintainer reads, with the commands to act")
struct NoticeTextTests {
    @Test("a request names the change, the deadline and the exact CLI and HTTP commands")
    func request() {
        let text = NoticeText(
            kind: "request", train: "2.6.0",
            payload: [
                "member": "kornia", "reason": "bump", "why": "kornia 0.7.3 requires pytorch >=1.9.1,<2.6",
                "current": "0.7.3", "deadline": "2026-12-02T09:00:00Z",
            ],
            server: "https://railyard.example.org/")
        #expect(text.subject == "[railyard] torch 2.6.0: kornia needs a new version (bump)")
        #expect(text.body.contains("Why: kornia 0.7.3 requires pytorch >=1.9.1,<2.6."))
        #expect(text.body.contains("Answer by: 2026-12-02T09:00:00Z."))
        #expect(
            text.body.contains(
                "railyard bump ack kornia --train 2.6.0 --eta YYYY-MM-DD --server https://railyard.example.org\n"))
        #expect(text.body.contains("https://railyard.example.org/api/v1/trains/2.6.0/members/kornia/ack"))
        #expect(text.body.contains("railyard bump decline kornia --train 2.6.0 --reason"))
        #expect(text.body.contains("/api/v1/trains/2.6.0/members/kornia/decline"))
    }

    @Test("every kind has a subject and a body")
    func kinds() {
        for kind in [
            "request", "reminder", "blocked", "excluded", "escalation", "retirement", "stage", "rc", "released",
            "aborted", "digest",
        ] {
            let text = NoticeText(
                kind: kind, train: "2.6.0", payload: ["member": "m", "stage": "staged", "about": "stage"],
                server: "http://h")
            #expect(text.subject.hasPrefix("[railyard] torch 2.6.0: "), "\(kind)")
            #expect(!text.body.isEmpty)
        }
    }

    @Test("the retry policy doubles with jitter up to its cap, and stops at the limit")
    func retry() {
        let policy = RetryPolicy(base: 30, cap: 3600, maxAttempts: 5)
        #expect(policy.delay(afterAttempt: 1, jitter: 0) == 15)
        #expect(policy.delay(afterAttempt: 1, jitter: 1) == 30)
        #expect(policy.delay(afterAttempt: 3, jitter: 0.5) == 90)
        #expect(RetryPolicy(base: 30, cap: 100, maxAttempts: 50).delay(afterAttempt: 40, jitter: 1) == 100)
        #expect(policy.delay(afterAttempt: 4, jitter: 0) == 120)
        #expect(policy.delay(afterAttempt: 5, jitter: 0) == nil)
    }
}
