/// A conda version specification (`>=2.3,<2.6`, `2.5.*`, `1.7.*|>=2.0`), matched exactly as
/// conda's `VersionSpec` matches.
///
/// | form | meaning |
/// |---|---|
/// | `1.7.1` | equal to 1.7.1 (`1.7.1.0` too) |
/// | `==1.7`, `!=1.7` | equal, not equal |
/// | `<1.7`, `<=1.7`, `>1.7`, `>=1.7` | ordered comparison |
/// | `1.7.*`, `1.7*`, `=1.7`, `=1.7.*` | starts with 1.7 component-wise (`1.7.3`, not `1.70`) |
/// | `!=1.7.*` | does not start with 1.7 |
/// | `~=1.7.2` | at least 1.7.2 and starts with 1.7 |
/// | `>=1.7.*` | `.*` after `>=` (and, deprecated, after `<`, `<=`, `>`, `==`) is ignored |
/// | `*` | any version |
/// | `1.*.3` | glob over the version as written |
/// | `^1\.7\..*$` | regular expression over the version as written |
/// | `a,b` / `a\|b` | and / or; `,` binds tighter than `\|`; parentheses group |
package struct VersionSpec: Sendable, Hashable, CustomStringConvertible {
    /// The specification as written, without surrounding white space.
    package let description: String
    let tree: VersionSpecTree

    /// Parses `text`, or throws an error that names the offending part.
    package init(_ text: String) throws(VersionSpecError) {
        self.description = VersionParser.trimmingWhiteSpace(text)
        self.tree = try VersionSpecParser.parse(text)
    }

    /// Whether `version` satisfies this specification.
    package func matches(_ version: Version) -> Bool {
        tree.matches(version)
    }

    /// Whether this specification is a single exact version (`1.7.1`, `==1.7.1`).
    package var isExact: Bool {
        if case .constraint(.equal) = tree { return true }
        if case .constraint(.exactText) = tree { return true }
        return false
    }

    package static func == (left: VersionSpec, right: VersionSpec) -> Bool {
        left.tree == right.tree
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(tree)
    }
}

/// The parsed expression: constraints joined by and (`,`) and or (`|`).
indirect enum VersionSpecTree: Sendable, Hashable {
    case all([VersionSpecTree])
    case any([VersionSpecTree])
    case constraint(VersionConstraint)

    func matches(_ version: Version) -> Bool {
        switch self {
        case .all(let parts):
            for part in parts where !part.matches(version) { return false }
            return true
        case .any(let parts):
            for part in parts where part.matches(version) { return true }
            return false
        case .constraint(let constraint):
            return constraint.matches(version)
        }
    }
}

/// One leaf of a version specification.
enum VersionConstraint: Sendable, Hashable {
    case anything
    case equal(Version)
    case notEqual(Version)
    case less(Version)
    case lessOrEqual(Version)
    case greater(Version)
    case greaterOrEqual(Version)
    case startsWith(Version)
    case notStartsWith(Version)
    /// `~=V`: at least `V`, and starts with `prefix` (V without its last component).
    case compatible(Version, prefix: Version)
    /// `*` wildcards inside the pattern, matched against the version as written.
    case glob(GlobPattern)
    /// `^…$`, matched against the version as written.
    case regex(RegexPattern)
    /// A string with `@`: conda compares it with the version as written.
    case exactText(String)

    func matches(_ version: Version) -> Bool {
        switch self {
        case .anything: true
        case .equal(let other): version.compare(to: other) == 0
        case .notEqual(let other): version.compare(to: other) != 0
        case .less(let other): version.compare(to: other) < 0
        case .lessOrEqual(let other): version.compare(to: other) <= 0
        case .greater(let other): version.compare(to: other) > 0
        case .greaterOrEqual(let other): version.compare(to: other) >= 0
        case .startsWith(let prefix): version.starts(with: prefix)
        case .notStartsWith(let prefix): !version.starts(with: prefix)
        case .compatible(let lowest, let prefix): version.compare(to: lowest) >= 0 && version.starts(with: prefix)
        case .glob(let pattern): pattern.matches(version.description)
        case .regex(let pattern): pattern.matches(version.description)
        case .exactText(let text): text == version.description
        }
    }
}
