import Foundation

/// One package's journey inside one train.
package struct TrainMember: Sendable, Equatable, Codable {
    package var name: String
    package var reason: MemberReason
    package var wave: Int
    /// The train members (or the core) it depends on.
    package var parents: [String]
    package var maintainers: [String]
    package var isABICoupled: Bool
    /// Its dependency specs as the catalog has them (or as its newest build declared them).
    package var depends: [String]
    /// The version in the catalog, on `main`.
    package var currentVersion: Version
    /// The version the train expects or has: a companion's matched version, a registered build's.
    package var targetVersion: Version?
    package var state: MemberState
    /// When it entered `state`.
    package var since: Date
    package var requestedAt: Date?
    package var deadline: Date?
    package var eta: Date?
    /// The registered build: its version and the RC it was built against.
    package var build: MemberBuild?
    /// The last test result, keyed to the RC it was obtained against.
    package var result: TestResult?
    /// Test attempts against the current RC.
    package var attempts: Int
    /// The last failed build CI reported, keyed to its RC; cleared by a registered build or a new RC.
    package var buildFailure: BuildFailure?
    package var declineReason: String?
    package var exclusion: Note?
    package var waiver: Note?
    /// Why it needs what it needs (the spec that decided it).
    package var why: String
    /// What the follow-up schedule has done about its open request (nil: nothing yet).
    package var followUp: FollowUp?
    /// Its test results per cell (`linux-64/py3.11_cuda12.1`), each keyed to its RC (nil: none).
    package var cellResults: [String: TestResult]? = nil

    /// Reminders, the deadline notice, the escalation and the retirement proposal already made
    /// for the current request, so that each is made once.
    package struct FollowUp: Sendable, Equatable, Codable {
        package var reminders: Int = 0
        package var deadlineNoticed: Bool = false
        package var escalated: Bool = false
        package var retirementProposed: Bool = false

        package init() {}
    }

    /// A build registered for a member.
    package struct MemberBuild: Sendable, Equatable, Codable {
        package var version: Version
        package var rc: Int?
        package var by: String
        package var at: Date
        /// Its files on the staging label (none when registered without the channel).
        package var artifacts: [Artifact]?
    }

    /// A test outcome against one RC.
    package struct TestResult: Sendable, Equatable, Codable {
        package var rc: Int
        package var passed: Bool
        package var log: String?
        package var at: Date
        /// The cell it failed in, for a member tested per cell (nil: as a whole).
        package var cell: String? = nil
    }

    /// Failed builds of a member against one RC.
    package struct BuildFailure: Sendable, Equatable, Codable {
        package var rc: Int
        /// Failed attempts against `rc`.
        package var attempts: Int
        package var log: String?
        package var at: Date
    }

    /// A recorded decision with its reason: an exclusion or a waiver.
    package struct Note: Sendable, Equatable, Codable {
        package var reason: String
        package var by: String
        package var at: Date
        /// Done by the deadline policy rather than a person.
        package var byPolicy: Bool
    }

    /// Whether it counts as passed against `rc` (a waiver counts, and is shown as one).
    package func hasPassed(against rc: Int?) -> Bool {
        guard let rc, state == .passed, let result else { return false }
        return result.rc == rc
    }

    /// Whether it holds nothing up against `rc`: it passed (or was waived), or it is a support
    /// package with no new build in the train (what `main` has serves).
    package func isSettled(against rc: Int?) -> Bool {
        hasPassed(against: rc) || isSupportOnMain
    }

    /// A support package with no new build staged: `main`'s builds serve.
    package var isSupportOnMain: Bool { reason == .support && build == nil && state == .pending }

    /// Whether its build must be redone for every new RC: companions and C++/CUDA extensions.
    package var buildIsTiedToRC: Bool { reason == .companion || isABICoupled }

    /// Whether its last build attempt against `rc` failed (and no build was registered since).
    package func buildFailed(against rc: Int?) -> Bool {
        guard let rc, let buildFailure else { return false }
        return buildFailure.rc == rc
    }

    /// Whether a request to its maintainers is open (asked, not yet built or declined).
    package var hasOpenRequest: Bool { state == .requested || state == .acknowledged }
}
