/// A conda match spec, the dependency strings of package metadata and recipes:
/// `pytorch`, `pytorch >=2.3,<2.6`, `python_abi 3.11.* *_cp311`, `numpy=1.7=py3*_2`,
/// `conda-forge::numpy[version='>=1.7',build=py*]`.
///
/// The version part follows conda's rules for a spec string (`_parse_spec_str`): `name 1.7` is
/// exactly 1.7; `name=1.7` is `1.7.*`; `name==1.7` is exactly 1.7; `name=1.7=build` is
/// exactly 1.7 with that build; spaces inside the version part are dropped
/// (`>=1.0 , < 2.0` is `>=1.0,<2.0`).
package struct MatchSpec: Sendable, Hashable, CustomStringConvertible {
    /// The fields behind one reference: a catalog holds hundreds of thousands of specs, and
    /// copying one then costs a single reference count.
    final class Storage: Sendable {
        let description: String
        let name: StringMatcher
        let exactName: String?
        let channel: String?
        let subdir: String?
        let version: VersionSpec?
        let build: StringMatcher?
        let buildNumber: Int?

        init(
            description: String,
            name: StringMatcher,
            channel: String?,
            subdir: String?,
            version: VersionSpec?,
            build: StringMatcher?,
            buildNumber: Int?
        ) {
            self.description = description
            self.name = name
            if case .exact(let text) = name { exactName = text } else { exactName = nil }
            self.channel = channel
            self.subdir = subdir
            self.version = version
            self.build = build
            self.buildNumber = buildNumber
        }
    }

    let storage: Storage

    /// The spec as written, without surrounding white space.
    package var description: String { storage.description }
    /// The package name, or a pattern with `*`.
    package var name: StringMatcher { storage.name }
    package var channel: String? { storage.channel }
    package var subdir: String? { storage.subdir }
    package var version: VersionSpec? { storage.version }
    package var build: StringMatcher? { storage.build }
    package var buildNumber: Int? { storage.buildNumber }

    /// Parses `text`, or throws an error that names the offending part.
    package init(_ text: String) throws(MatchSpecError) {
        self = try MatchSpecParser.parse(text)
    }

    init(
        description: String,
        name: StringMatcher,
        channel: String?,
        subdir: String?,
        version: VersionSpec?,
        build: StringMatcher?,
        buildNumber: Int?
    ) {
        storage = Storage(
            description: description,
            name: name,
            channel: channel,
            subdir: subdir,
            version: version,
            build: build,
            buildNumber: buildNumber
        )
    }

    /// Specs are equal when they constrain the same fields the same way, however written.
    package static func == (left: MatchSpec, right: MatchSpec) -> Bool {
        left.name == right.name && left.channel == right.channel && left.subdir == right.subdir
            && left.version == right.version && left.build == right.build && left.buildNumber == right.buildNumber
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(channel)
        hasher.combine(subdir)
        hasher.combine(version)
        hasher.combine(build)
        hasher.combine(buildNumber)
    }

    /// The name when it is a plain name rather than a pattern.
    package var exactName: String? { storage.exactName }

    /// Whether a package with these fields satisfies the spec. Fields the spec does not constrain
    /// are not looked at.
    package func matches(name: String, version: Version, build: String = "", buildNumber: Int = 0) -> Bool {
        guard self.name.matches(name) else { return false }
        if let spec = self.version, !spec.matches(version) { return false }
        if let pattern = self.build, !pattern.matches(build) { return false }
        if let number = self.buildNumber, number != buildNumber { return false }
        return true
    }
}

/// How conda matches a string field: exactly, with `*` wildcards, or by a `^…$` expression.
package enum StringMatcher: Sendable, Hashable, CustomStringConvertible {
    case exact(String)
    case glob(GlobPattern)
    case regex(RegexPattern)

    /// Reads `text` as conda's `GlobStrMatch` does, or throws why a `^…$` expression is refused.
    init(_ text: String) throws(RegexError) {
        if text.hasPrefix("^") && text.hasSuffix("$") {
            self = .regex(try RegexPattern(text))
        } else if text.contains("*") {
            self = .glob(GlobPattern(text))
        } else {
            self = .exact(text)
        }
    }

    package func matches(_ value: String) -> Bool {
        switch self {
        case .exact(let text): text == value
        case .glob(let pattern): pattern.matches(value)
        case .regex(let pattern): pattern.matches(value)
        }
    }

    package var description: String {
        switch self {
        case .exact(let text): text
        case .glob(let pattern): pattern.description
        case .regex(let pattern): pattern.description
        }
    }
}
