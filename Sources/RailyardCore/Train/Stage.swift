/// Where a train is. These exact words appear in every output, so CI scripts, the page and the
/// API agree.
package enum Stage: String, Sendable, Codable, CaseIterable, Comparable {
    /// Created; the plan is computed from the catalog snapshot.
    case planned
    /// Torch RC n is on the train's staging label.
    case candidate
    /// torchvision, torchaudio, torchtext are built against RC n and tested.
    case companions
    /// Bump and rebuild requests are out; new builds land on the staging label and are tested.
    case downstream
    /// Everything is on the staging label; one run tests all packages together.
    case staged
    /// Everything moved to `main` in one step. Terminal.
    case released
    /// Abandoned; the staging label stays for inspection. Terminal.
    case aborted

    /// The stages a train moves through in order, without the terminal ones.
    package static let path: [Stage] = [.planned, .candidate, .companions, .downstream, .staged]

    package var isTerminal: Bool { self == .released || self == .aborted }

    private var order: Int { Stage.allCases.firstIndex(of: self)! }

    package static func < (left: Stage, right: Stage) -> Bool { left.order < right.order }

    /// The stage `advance` moves to, if any.
    package var next: Stage? {
        switch self {
        case .planned: .candidate
        case .candidate: .companions
        case .companions: .downstream
        case .downstream: .staged
        case .staged, .released, .aborted: nil
        }
    }
}

/// A member's progress inside one train.
package enum MemberState: String, Sendable, Codable, CaseIterable {
    /// In the plan; nothing asked of anyone yet.
    case pending
    /// Its maintainers were asked for a bump or rebuild.
    case requested
    /// The maintainers answered, with an ETA.
    case acknowledged
    /// The maintainers declined.
    case declined
    /// A candidate build exists (for a retest member, its current one).
    case built
    /// CI is testing it.
    case testing
    /// Its test passed against the current RC (or a release manager waived a failure).
    case passed
    /// Its test failed against the current RC.
    case failed
    /// A release manager (or the deadline policy) took it out of the train.
    case excluded
}
