/// The distribution's policy (the PyTorch RFC), checked over a valid catalog.
///
/// | rule | holds when |
/// |---|---|
/// | `upper-bound` | every dependency on a distribution package has an upper bound (`<`, `<=`, `==`, `=`, `.*`, `~=`, an exact version) |
/// | `bugfix-release` | no bound excludes the next bugfix release of the package it names (for pytorch 2.5.1, `<=2.5.1` and `==2.5.1` are flagged; `2.5.*` and `>=2.5,<2.6` are fine). A companion's pin on the core is exempt: companions are rebuilt in lockstep with every release |
/// | `installable` | every dependency among distribution packages admits the current version of the package it names |
package enum CatalogLint {
    /// One broken rule.
    package struct Finding: Sendable, Equatable, CustomStringConvertible {
        package enum Rule: String, Sendable, CaseIterable {
            case upperBound = "upper-bound"
            case bugfixRelease = "bugfix-release"
            case installable
        }

        package var package: String
        package var spec: String
        package var rule: Rule
        package var message: String
        package var position: SourcePosition

        package var description: String { "\(position): \(package): '\(spec)': \(message) [\(rule.rawValue)]" }
    }

    package static func findings(_ catalog: Catalog) -> [Finding] {
        var findings: [Finding] = []
        for package in catalog.packages {
            for dependency in package.depends {
                guard let target = catalog[dependency.name] else { continue }
                let spec = dependency.spec.description
                func finding(_ rule: Finding.Rule, _ message: String) {
                    findings.append(
                        Finding(
                            package: package.name,
                            spec: spec,
                            rule: rule,
                            message: message,
                            position: dependency.position
                        )
                    )
                }
                if !(dependency.spec.version?.tree.hasUpperBound ?? false) {
                    finding(
                        .upperBound,
                        "no upper bound on \(target.name): a new \(target.name) release would be taken untested"
                            + " (add one, e.g. <\(target.version.nextMinorText))"
                    )
                }
                let exempt = package.isCompanion && target.name == catalog.core
                if !exempt, let bugfix = target.version.nextBugfix,
                    dependency.admits(target.version), !dependency.admits(bugfix)
                {
                    finding(
                        .bugfixRelease,
                        "excludes the next bugfix release \(target.name) \(bugfix); a bugfix release must need no bump"
                    )
                }
                if !dependency.admits(target.version) {
                    finding(
                        .installable,
                        "does not admit \(target.name) \(target.version), the distribution's current version:"
                            + " the channel as it stands cannot install \(package.name)"
                    )
                }
            }
        }
        return findings
    }
}

extension VersionSpecTree {
    /// Whether every way of satisfying the spec is bounded above.
    var hasUpperBound: Bool {
        switch self {
        case .all(let parts): parts.contains { $0.hasUpperBound }
        case .any(let parts): parts.allSatisfy { $0.hasUpperBound }
        case .constraint(let constraint): constraint.hasUpperBound
        }
    }
}

extension VersionConstraint {
    var hasUpperBound: Bool {
        switch self {
        case .equal, .less, .lessOrEqual, .startsWith, .compatible, .exactText: true
        case .anything, .notEqual, .greater, .greaterOrEqual, .notStartsWith, .glob, .regex: false
        }
    }
}

extension Version {
    /// The next minor release, as text for a message (`2.5.1` → `2.6`).
    var nextMinorText: String {
        let numbers = leadingNumbers
        guard numbers.count >= 2 else { return Version.successor(numbers.first ?? 0) }
        return "\(numbers[0]).\(Version.successor(numbers[1]))"
    }
}
