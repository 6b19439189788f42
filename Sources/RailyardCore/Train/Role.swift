/// The role of an API token, and what each role may ask for: the one table of who may do what
/// by role. Who a person is — a release manager of the train, a maintainer of a package — is the
/// train's own rule, read from the catalog and checked when the command is decided
/// (`Train.decide`); a token has no list of packages of its own.
///
/// | action | release-manager | maintainer | ci | read-only |
/// |---|---|---|---|---|
/// | read | yes | yes | yes | yes |
/// | ack, decline, stage a build | yes | yes (its packages, by the catalog) | | |
/// | claim, heartbeat, report work | yes | | yes | |
/// | every other command (`channel revoke`, `train supersede` among them) | yes | | | |
package enum Role: String, Sendable, CaseIterable, Codable {
    case releaseManager = "release-manager"
    case maintainer
    case ci
    case readOnly = "read-only"

    /// The actor a token of this role acts as: a CI token as a runner, any other as a person.
    package func actor(named name: String) -> Actor {
        self == .ci ? .runner(name) : .person(name)
    }

    /// Whether a token of this role may ask for `action` at all; the train then decides whether
    /// this person may.
    package func may(_ action: Action) -> Bool {
        switch action {
        case .read: true
        case .acknowledge, .decline, .stage: self == .releaseManager || self == .maintainer
        case .claim, .heartbeat, .report: self == .releaseManager || self == .ci
        case .create, .registerRC, .advance, .markFinal, .abort, .exclude, .waive, .promote, .sweep, .indexChannel,
            .verifyChannel, .revoke, .supersede:
            self == .releaseManager
        }
    }
}

/// What a caller asks of Railyard, as far as roles are concerned.
package enum Action: String, Sendable, CaseIterable {
    case read
    case create
    case registerRC = "rc"
    case advance
    case markFinal = "final"
    case abort
    case exclude
    case waive
    case acknowledge = "ack"
    case decline
    /// A member's build onto the staging label.
    case stage
    case promote
    case sweep
    case claim
    case heartbeat
    case report
    case indexChannel = "channel index"
    case verifyChannel = "channel verify"
    /// Files taken off main after a release.
    case revoke = "channel revoke"
    /// A train ended in favour of a new one (`train supersede`).
    case supersede

    /// The action a train command is.
    package init(_ command: TrainCommand) {
        switch command {
        case .registerRC: self = .registerRC
        case .advance: self = .advance
        case .acknowledge: self = .acknowledge
        case .decline: self = .decline
        case .registerBuild: self = .stage
        case .exclude: self = .exclude
        case .waive: self = .waive
        case .markFinal: self = .markFinal
        case .abort: self = .abort
        case .sweepDeadlines: self = .sweep
        case .release, .recordInstallability: self = .promote
        case .startTest, .claimWork: self = .claim
        case .extendLease: self = .heartbeat
        case .abandonTest, .reportTest, .reportBuild, .reportIntegration, .reportWork: self = .report
        }
    }
}
