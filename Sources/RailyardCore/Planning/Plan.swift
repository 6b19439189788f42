/// How big a release is, from the catalog's core version to the new one.
package enum TrainKind: String, Sendable, Codable, CaseIterable {
    case major
    case minor
    case patch

    /// `major` when the epoch or first number changes, `minor` when the second does, else `patch`.
    package init(from current: Version, to next: Version) {
        let old = current.leadingNumbers
        let new = next.leadingNumbers
        func number(_ numbers: [UInt64], _ index: Int) -> UInt64 { index < numbers.count ? numbers[index] : 0 }
        if current.epochNumber != next.epochNumber || number(old, 0) != number(new, 0) {
            self = .major
        } else if number(old, 1) != number(new, 1) {
            self = .minor
        } else {
            self = .patch
        }
    }
}

/// Why a package is a member of a train. Precedence: companion, rebuild, bump, retest.
package enum MemberReason: String, Sendable, Codable, CaseIterable {
    /// Released in lockstep with the core: a new build at its matched version.
    case companion
    /// A C++/CUDA extension: rebuilt against the new core.
    case rebuild
    /// Its spec on the core or a companion excludes the new version: it needs a new release.
    case bump
    /// Nothing but a passing test against the new core.
    case retest
    /// Needed beside the core by its builds (`pytorch-cuda`, `pytorch-mutex`, `cpuonly`): what
    /// `main` has serves, unless a new build of it is staged with the train.
    case support
}

/// One package's place in a train.
package struct PlannedMember: Sendable, Equatable {
    package var name: String
    package var reason: MemberReason
    /// 1 for packages that depend only on the core, one more than their highest member
    /// dependency otherwise.
    package var wave: Int
    /// The catalog's version of the package.
    package var currentVersion: Version
    /// The version the train builds: the matched version for a companion, nil for the others
    /// (a bumped package's new number is its maintainers' choice).
    package var newVersion: Version?
    /// Whether `newVersion` was suggested by Railyard rather than given.
    package var isSuggested: Bool
    /// The sentence that names the spec or fact that decided the reason.
    package var why: String
    /// How many members depend on this one, directly or not.
    package var descendants: Int
    /// The catalog packages this one depends on that are members of the train or the core.
    package var parents: [String]
}

/// A rule the plan breaks: a bugfix train in which a package needs a version bump.
package struct PlanViolation: Sendable, Equatable {
    package var package: String
    package var spec: String
    package var message: String
}

/// What a new core release means for every package of the catalog.
package struct Plan: Sendable {
    package var core: String
    package var currentVersion: Version
    package var version: Version
    package var kind: TrainKind
    /// Members in wave order; within a wave, most descendants first, then by name.
    package var members: [PlannedMember]
    package var violations: [PlanViolation]

    package func member(_ name: String) -> PlannedMember? { members.first { $0.name == name } }
}

/// Why a plan cannot be made.
package enum PlanError: Error, Equatable, Sendable, CustomStringConvertible {
    case preRelease(String)
    case notNewer(current: String, requested: String)
    case unknownCompanion(String)
    case notACompanion(String)
    case unknownPackage(String)
    case cycle([String])
    /// A leading number of the core's or a companion's version beyond 64 bits (18446744073709551615).
    case versionComponentTooLarge(String)

    /// A stable code for scripts and the API.
    package var code: String {
        switch self {
        case .preRelease: "pre-release"
        case .notNewer: "not-newer"
        case .unknownCompanion: "unknown-companion"
        case .notACompanion: "not-a-companion"
        case .unknownPackage: "unknown-package"
        case .cycle: "dependency-cycle"
        case .versionComponentTooLarge: "version-component-too-large"
        }
    }

    package var description: String {
        switch self {
        case .preRelease(let version):
            "\(version) is a pre-release; plan with the final version number (RCs carry it, and specs are judged against it)"
        case .notNewer(let current, let requested):
            "\(requested) is not newer than the catalog's \(current)"
        case .unknownCompanion(let name):
            "--companion \(name): no package of that name in the catalog"
        case .notACompanion(let name):
            "--companion \(name): the catalog does not mark it companion: true"
        case .unknownPackage(let name):
            "no package '\(name)' in the catalog"
        case .cycle(let names):
            "dependency cycle among \(names.joined(separator: ", "))"
        case .versionComponentTooLarge(let version):
            "version-component-too-large: \(version) has a number above 18446744073709551615 among its leading"
                + " numbers; a train needs numbers it can count from (use a smaller version number)"
        }
    }
}
