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
    /// Everything a version holds, behind one reference, so that copying a version costs one
    /// reference count rather than one per field.
    final class Storage: Sendable {
        let description: String
        let atoms: [VersionAtom]
        let localStart: Int
        let overflow: [String]

        init(_ parsed: VersionParser.Parsed) {
            description = parsed.description
            atoms = parsed.atoms
            localStart = parsed.localStart
            overflow = parsed.overflow
        }
    }

    let storage: Storage

    /// Parses `text` as conda does, or throws an error that says why conda would refuse it.
    package init(_ text: String) throws(VersionError) {
        storage = Storage(try VersionParser.parse(text))
    }

    /// The version as written, without surrounding white space.
    package var description: String { storage.description }
    /// Every component, each a header atom followed by its atoms: the epoch, the public version,
    /// then the local version.
    var atoms: [VersionAtom] { storage.atoms }
    /// Where the local version starts in `atoms` (`atoms.count` when there is none).
    var localStart: Int { storage.localStart }
    /// Long texts and big numbers that do not fit in an atom.
    var overflow: [String] { storage.overflow }

    /// Lower-cased, with `-` turned into `_` where conda does so: the form conda prints.
    package var normalized: String {
        let lowered = VersionParser.lowercasedBytes(description)
        guard lowered.contains(UInt8(ascii: "-")), !lowered.contains(UInt8(ascii: "_")) else {
            return String(decoding: lowered, as: UTF8.self)
        }
        return String(decoding: lowered.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    /// Whether this version has a local part (`+cu121`).
    package var hasLocal: Bool { localStart < atoms.count }

    /// Three-way comparison: negative, zero or positive as `self` is below, equal to or above `other`.
    package func compare(to other: Version) -> Int {
        let byRelease = Self.compare(
            self,
            0..<localStart,
            other,
            0..<other.localStart
        )
        if byRelease != 0 { return byRelease }
        return Self.compare(self, localStart..<atoms.count, other, other.localStart..<other.atoms.count)
    }

    /// Compares two runs of components with conda's zero filling.
    static func compare(_ left: Version, _ leftRange: Range<Int>, _ right: Version, _ rightRange: Range<Int>) -> Int {
        left.atoms.withUnsafeBufferPointer { a in
            right.atoms.withUnsafeBufferPointer { b in
                var i = leftRange.lowerBound
                var j = rightRange.lowerBound
                while i < leftRange.upperBound || j < rightRange.upperBound {
                    let leftCount = i < leftRange.upperBound ? Int(a[i].payload) : 0
                    let rightCount = j < rightRange.upperBound ? Int(b[j].payload) : 0
                    if i < leftRange.upperBound { i += 1 }
                    if j < rightRange.upperBound { j += 1 }
                    let result = compareComponent(a, i, leftCount, left.overflow, b, j, rightCount, right.overflow)
                    if result != 0 { return result }
                    i += leftCount
                    j += rightCount
                }
                return 0
            }
        }
    }

    @inline(__always)
    static func compareComponent(
        _ a: UnsafeBufferPointer<VersionAtom>,
        _ aStart: Int,
        _ aCount: Int,
        _ aOverflow: [String],
        _ b: UnsafeBufferPointer<VersionAtom>,
        _ bStart: Int,
        _ bCount: Int,
        _ bOverflow: [String]
    ) -> Int {
        let count = Swift.max(aCount, bCount)
        for index in 0..<count {
            let x = index < aCount ? a[aStart + index] : .zero
            let y = index < bCount ? b[bStart + index] : .zero
            let result = VersionAtom.compare(x, y, aOverflow, bOverflow)
            if result != 0 { return result }
        }
        return 0
    }

    /// conda's `startswith`: the relation behind `1.2.*`, `=1.2` and `~=`.
    ///
    /// Every component of `prefix` but the last must equal this version's; the last one must
    /// match atom by atom, its final atom as a text prefix (`1.0.1p1` starts with `1.0.1p`) or an
    /// equal number (`1.20` does not start with `1.2`). A prefix with a local part compares the
    /// whole public version and then the local parts the same way.
    package func starts(with prefix: Version) -> Bool {
        var mine = 0..<localStart
        var theirs = 0..<prefix.localStart
        if prefix.hasLocal {
            guard Self.compare(self, mine, prefix, theirs) == 0 else { return false }
            mine = localStart..<atoms.count
            theirs = prefix.localStart..<prefix.atoms.count
        }
        return atoms.withUnsafeBufferPointer { a in
            prefix.atoms.withUnsafeBufferPointer { b in
                var i = mine.lowerBound
                var j = theirs.lowerBound
                while true {
                    let mineCount = i < mine.upperBound ? Int(a[i].payload) : 0
                    let theirCount = Int(b[j].payload)
                    if i < mine.upperBound { i += 1 }
                    j += 1
                    let isLast = j + theirCount >= theirs.upperBound
                    if !isLast {
                        let result = Self.compareComponent(
                            a, i, mineCount, overflow, b, j, theirCount, prefix.overflow)
                        if result != 0 { return false }
                        i += mineCount
                        j += theirCount
                        continue
                    }
                    // The last component of the prefix: all but its final atom must be equal.
                    let leading = theirCount - 1
                    if Self.compareComponent(
                        a, i, Swift.min(mineCount, leading), overflow, b, j, leading, prefix.overflow) != 0
                    {
                        return false
                    }
                    let wanted = b[j + leading]
                    let actual = leading < mineCount ? a[i + leading] : .zero
                    if wanted.kind == .text {
                        guard actual.kind == .text else { return false }
                        return actual.textBytes(overflow).starts(with: wanted.textBytes(prefix.overflow))
                    }
                    return VersionAtom.compare(actual, wanted, overflow, prefix.overflow) == 0
                        && actual.kind == wanted.kind
                }
            }
        }
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
        hashSignificant(0..<localStart, into: &hasher)
        hasher.combine(0xFF as UInt8)
        hashSignificant(localStart..<atoms.count, into: &hasher)
    }

    private func hashSignificant(_ range: Range<Int>, into hasher: inout Hasher) {
        var components: [ArraySlice<VersionAtom>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            let count = Int(atoms[index].payload)
            var atomsOfComponent = atoms[(index + 1)..<(index + 1 + count)]
            while let last = atomsOfComponent.last, last.isZero { atomsOfComponent = atomsOfComponent.dropLast() }
            components.append(atomsOfComponent)
            index += 1 + count
        }
        while let last = components.last, last.isEmpty { components.removeLast() }
        hasher.combine(components.count)
        for component in components {
            hasher.combine(component.count)
            for atom in component { atom.hash(into: &hasher, overflow: overflow) }
        }
    }
}

extension Version: CustomStringConvertible {}
