/// The distribution's package list and policy, as reviewed in the conda-distro repository.
package struct Catalog: Sendable {
    package var distribution: String
    package var channel: String
    /// The package whose releases make trains (`pytorch`).
    package var core: String
    package var subdirs: [String]
    package var releaseManagers: [String]
    package var policy: Policy
    package var contacts: [Contact]
    /// The packages in the order the file lists them.
    package var packages: [CatalogPackage]
    /// Packages released as one: their dependencies on each other make no order and no cycle.
    package var lockstep: [[String]]
    /// The variant keys, the cells every RC must cover, and the cells packages may skip.
    package var variants: VariantRules
    /// How the promotion asks a real conda solver whether the future main installs (nil: it
    /// does not ask).
    package var solving: SolvingRules?
    private var indexByName: [String: Int]
    /// The dependencies among the packages, by position in `packages`.
    package let graph: DependencyGraph

    package init(
        distribution: String,
        channel: String,
        core: String,
        subdirs: [String],
        releaseManagers: [String],
        policy: Policy,
        contacts: [Contact],
        packages: [CatalogPackage],
        lockstep: [[String]] = [],
        variants: VariantRules = VariantRules(),
        solving: SolvingRules? = nil,
        index: [String: Int]? = nil,
        graph: DependencyGraph? = nil
    ) {
        self.distribution = distribution
        self.channel = channel
        self.core = core
        self.subdirs = subdirs
        self.releaseManagers = releaseManagers
        self.policy = policy
        self.contacts = contacts
        self.packages = packages
        self.lockstep = lockstep
        self.variants = variants
        self.solving = solving
        let index =
            index
            ?? Dictionary(
                packages.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        self.indexByName = index
        self.graph =
            graph
            ?? DependencyGraph(
                packages: packages, index: index,
                groups: DependencyGraph.groups(lockstep, index: index, core: index[core]))
    }

    /// The position of a package in `packages`.
    package func index(of name: String) -> Int? { indexByName[name] }

    package subscript(name: String) -> CatalogPackage? {
        indexByName[name].map { packages[$0] }
    }

    /// The core package.
    package var corePackage: CatalogPackage { self[core]! }

    /// The companions (released in lockstep with the core), in file order.
    package var companions: [CatalogPackage] { packages.filter(\.isCompanion) }

    /// The lockstep group `name` belongs to, if any.
    package func lockstepGroup(of name: String) -> [String]? { lockstep.first { $0.contains(name) } }
}

/// One package of the distribution.
package struct CatalogPackage: Sendable {
    package var name: String
    package var version: Version
    /// Released in lockstep with the core, at a matched version.
    package var isCompanion: Bool
    /// A C++/CUDA extension of the core: rebuilt for every minor or major core release.
    package var isABICoupled: Bool
    /// Needed beside the core by its builds (`pytorch-cuda`, `pytorch-mutex`, `cpuonly`): a
    /// member of every train, staged and promoted with it when a new build of it is needed.
    package var isSupport: Bool
    package var depends: [CatalogDependency]
    package var maintainers: [String]
    /// The command that tests it; nil means conda-build's own test.
    package var test: String?
    package var position: SourcePosition

    package init(
        name: String,
        version: Version,
        isCompanion: Bool = false,
        isABICoupled: Bool = false,
        isSupport: Bool = false,
        depends: [CatalogDependency] = [],
        maintainers: [String] = [],
        test: String? = nil,
        position: SourcePosition = SourcePosition(line: 1, column: 1)
    ) {
        self.name = name
        self.version = version
        self.isCompanion = isCompanion
        self.isABICoupled = isABICoupled
        self.isSupport = isSupport
        self.depends = depends
        self.maintainers = maintainers
        self.test = test
        self.position = position
    }

    /// The test command, with conda-build's as the default.
    package var testCommand: String { test ?? "conda-build --test" }
}

/// A dependency as the catalog writes it: a conda match spec.
package struct CatalogDependency: Sendable {
    package var spec: MatchSpec
    /// The package it names.
    package var name: String
    package var position: SourcePosition

    package init(spec: MatchSpec, position: SourcePosition = SourcePosition(line: 1, column: 1)) {
        self.spec = spec
        self.name = spec.exactName ?? spec.name.description
        self.position = position
    }

    /// Whether `version` satisfies the version part of the spec.
    package func admits(_ version: Version) -> Bool {
        spec.version?.matches(version) ?? true
    }
}

/// How to reach a person.
package struct Contact: Sendable, Equatable {
    package var name: String
    package var email: String?
    package var webhook: String?
    /// The environment variable holding the webhook's HMAC secret.
    package var secretEnvironmentVariable: String?

    package init(name: String, email: String? = nil, webhook: String? = nil, secretEnvironmentVariable: String? = nil) {
        self.name = name
        self.email = email
        self.webhook = webhook
        self.secretEnvironmentVariable = secretEnvironmentVariable
    }
}

/// The distribution's rules for requests to maintainers.
package struct Policy: Sendable, Equatable, Codable {
    /// What happens when a request is not answered by its deadline.
    package enum OnDeadline: String, Sendable, CaseIterable, Codable {
        case escalate
        case exclude
    }

    package var ackDeadline: PolicyDuration
    package var reminderEvery: PolicyDuration
    package var escalateAfter: PolicyDuration
    package var onDeadline: OnDeadline
    package var retireAfter: PolicyDuration

    /// ack 7d, reminders every 2d, escalation after 10d, escalate on deadline, retire after 60d.
    package static let defaults = Policy(
        ackDeadline: PolicyDuration(days: 7),
        reminderEvery: PolicyDuration(days: 2),
        escalateAfter: PolicyDuration(days: 10),
        onDeadline: .escalate,
        retireAfter: PolicyDuration(days: 60)
    )
}

/// A duration as people write it: `Nd`, `Nh`, `Nm` or `Ns`.
package struct PolicyDuration: Sendable, Equatable, Comparable, CustomStringConvertible, Codable {
    package var seconds: Int64

    package init(seconds: Int64) {
        self.seconds = seconds
    }

    package init(days: Int64) {
        self.seconds = days * 86_400
    }

    /// Reads `7d`, `12h` or `30m`; nil for anything else.
    package init?(_ text: String) {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0, count < 100_000,
            text.dropLast().allSatisfy(\.isASCII)
        else { return nil }
        switch unit {
        case "d": seconds = count * 86_400
        case "h": seconds = count * 3_600
        case "m": seconds = count * 60
        case "s": seconds = count
        default: return nil
        }
    }

    package static func < (left: PolicyDuration, right: PolicyDuration) -> Bool { left.seconds < right.seconds }

    package var description: String {
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

/// The catalog's `solver:` section: what the promotion solves besides the train's own cells,
/// where the rest of a user's packages come from, and what a missing solver means.
package struct SolvingRules: Sendable, Equatable, Codable {
    /// What the promotion does when no solver can be run.
    package enum OnUnavailable: String, Sendable, Equatable, Codable, CaseIterable {
        /// Refused: nothing moves unless a solver said it installs (the default).
        case failClosed = "fail-closed"
        /// Allowed, with the verdict "not run" in the dry run and the train's log.
        case failOpen = "fail-open"
    }

    package var onUnavailable: OnUnavailable
    /// Channels the distribution is used with (URLs or local folders), solved with the future main.
    package var solveWith: [String]
    /// What users will type, solved as given: `pytorch torchvision python=3.11 pytorch-cuda=12.1`.
    package var installChecks: [InstallCheck]

    package init(
        onUnavailable: OnUnavailable = .failClosed, solveWith: [String] = [], installChecks: [InstallCheck] = []
    ) {
        self.onUnavailable = onUnavailable
        self.solveWith = solveWith
        self.installChecks = installChecks
    }
}

/// One install the catalog says users make: its specs, on one subdir.
package struct InstallCheck: Sendable, Equatable, Codable {
    package var subdir: String
    package var specs: [String]

    package init(subdir: String, specs: [String]) {
        self.subdir = subdir
        self.specs = specs
    }
}
