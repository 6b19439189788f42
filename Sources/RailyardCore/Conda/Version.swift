/// A conda package version, parsed and ordered exactly as conda's `VersionOrder` does.
///
/// Parsing (conda's `conda/models/version.py`):
///
/// | step | rule |
/// |---|---|
/// | normalise | surrounding white space is dropped; the string is lower-cased; `-` becomes `_` when the string has no `_` |
/// | characters | only `0-9 a-z . _ + ! *` remain valid |
/// | epoch | `N!` in front, an integer; `0` when absent |
/// | local | everything after a single `+` is the local version, compared only when the rest is equal |
/// | components | the rest splits at `.` and `_`; a trailing `_` stays part of the last component (`1.0.1_`) |
/// | atoms | each component splits into runs of digits, of `*`, and of other characters; `dev` and `post` are special; a component that starts with a letter gets a `0` in front, so `1.1.a1 == 1.1.0a1` |
///
/// Ordering compares the atom lists lexicographically: text < numbers < `post`, `dev` < every other
/// text, texts compare by character code, and a missing atom or component counts as `0`
/// (`1.1 == 1.1.0`). Equal versions hash equally.
package struct Version: Sendable {
    /// The version as written, without surrounding white space.
    package let description: String
    /// Lower-cased, with `-` turned into `_` where conda does so: the form conda prints.
    package let normalized: String
    /// The epoch, then the components of the public version.
    let release: [[VersionAtom]]
    /// The components of the local version (after `+`); empty when there is none.
    let local: [[VersionAtom]]

    /// Parses `text` as conda does, or throws an error that says why conda would refuse it.
    package init(_ text: String) throws(VersionError) {
        let parsed = try VersionParser.parse(text)
        self.description = parsed.description
        self.normalized = parsed.normalized
        self.release = parsed.release
        self.local = parsed.local
    }

    init(description: String, normalized: String, release: [[VersionAtom]], local: [[VersionAtom]]) {
        self.description = description
        self.normalized = normalized
        self.release = release
        self.local = local
    }

    /// The epoch (`1` in `1!2.0`).
    package var epoch: VersionAtom { release[0][0] }

    /// Whether this version has a local part (`+cu121`).
    package var hasLocal: Bool { !local.isEmpty }

    /// conda's `startswith`: the relation behind `1.2.*`, `=1.2` and `~=`.
    ///
    /// Every component of `prefix` but the last must equal this version's; the last one must
    /// match atom by atom, its final atom as a text prefix (`1.0.1p1` starts with `1.0.1p`) or an
    /// equal number (`1.20` does not start with `1.2`). A prefix with a local part compares the
    /// whole public version and then the local parts the same way.
    package func starts(with prefix: Version) -> Bool {
        let mine: [[VersionAtom]]
        let theirs: [[VersionAtom]]
        if prefix.local.isEmpty {
            mine = release
            theirs = prefix.release
        } else {
            guard Self.compare(release, prefix.release) == 0 else { return false }
            mine = local
            theirs = prefix.local
        }
        let last = theirs.count - 1
        for index in 0..<last {
            let component = index < mine.count ? mine[index] : []
            if Self.compare(component, theirs[index]) != 0 { return false }
        }
        let component = last < mine.count ? mine[last] : []
        let wanted = theirs[last]
        let lastAtom = wanted.count - 1
        for index in 0..<lastAtom {
            let atom = index < component.count ? component[index] : .zero
            if atom != wanted[index] { return false }
        }
        let atom = lastAtom < component.count ? component[lastAtom] : .zero
        if case .text(let wantedText) = wanted[lastAtom] {
            guard case .text(let text) = atom else { return false }
            return text.hasPrefix(wantedText)
        }
        return atom == wanted[lastAtom]
    }

    /// Three-way comparison: negative, zero or positive as `self` is below, equal to or above `other`.
    package func compare(to other: Version) -> Int {
        let byRelease = Self.compare(release, other.release)
        if byRelease != 0 { return byRelease }
        return Self.compare(local, other.local)
    }

    static func compare(_ left: [[VersionAtom]], _ right: [[VersionAtom]]) -> Int {
        let count = Swift.max(left.count, right.count)
        for index in 0..<count {
            let result: Int
            if index < left.count, index < right.count {
                result = compare(left[index], right[index])
            } else if index < left.count {
                result = compare(left[index], [])
            } else {
                result = compare([], right[index])
            }
            if result != 0 { return result }
        }
        return 0
    }

    static func compare(_ left: [VersionAtom], _ right: [VersionAtom]) -> Int {
        let count = Swift.max(left.count, right.count)
        for index in 0..<count {
            let a = index < left.count ? left[index] : .zero
            let b = index < right.count ? right[index] : .zero
            let result = VersionAtom.compare(a, b)
            if result != 0 { return result }
        }
        return 0
    }
}

extension Version: Comparable {
    /// conda's equality: `1.1 == 1.1.0`, `0.4.a1 == 0.4.0a1`, case-insensitive.
    package static func == (left: Version, right: Version) -> Bool {
        left.compare(to: right) == 0
    }

    package static func < (left: Version, right: Version) -> Bool {
        left.compare(to: right) < 0
    }
}

extension Version: Hashable {
    /// Hashes the parts that equality sees: trailing zero atoms and components are left out,
    /// so `1.1` and `1.1.0` hash alike.
    package func hash(into hasher: inout Hasher) {
        Self.hashSignificant(release, into: &hasher)
        hasher.combine(0xFF as UInt8)
        Self.hashSignificant(local, into: &hasher)
    }

    private static func hashSignificant(_ components: [[VersionAtom]], into hasher: inout Hasher) {
        var significantComponents = components.count
        while significantComponents > 0, components[significantComponents - 1].allSatisfy({ $0 == .zero }) {
            significantComponents -= 1
        }
        hasher.combine(significantComponents)
        for component in components[..<significantComponents] {
            var significantAtoms = component.count
            while significantAtoms > 0, component[significantAtoms - 1] == .zero {
                significantAtoms -= 1
            }
            hasher.combine(significantAtoms)
            for atom in component[..<significantAtoms] {
                hasher.combine(atom)
            }
        }
    }
}

extension Version: CustomStringConvertible {}
