import PropertyBased
import RailyardCore
import Testing

/// Random versions built from the pieces real versions are made of, including the awkward ones.
enum VersionGenerators {
    static let runs = [
        "0", "1", "2", "3", "9", "10", "01", "12", "2024", "rc", "a", "b", "dev", "post", "alpha", "z", "_", "*",
    ]

    static var text: Generator<String, some SendableSequenceType> {
        zip(
            pick(["", "", "", "1!", "2!"]),
            pick(runs).array(of: 1...3).map { $0.joined() }.array(of: 1...4),
            pick([".", ".", "_", "-"]),
            pick(["", "", "", "+cu121", "+1.2", "+abc", "+0"])
        ).map { epoch, components, separator, local in
            epoch + components.joined(separator: separator) + local
        }
    }

    /// Versions that parse.
    static var version: Generator<Version, some SendableSequenceType> {
        text.compactMap { try? Version($0) }
    }

    /// A version and another spelling of it that conda holds equal.
    static var equalPair: Generator<(Version, Version), some SendableSequenceType> {
        zip(version, Gen.int(in: 0...3)).compactMap { version, rewrite in
            let text = version.description
            let other: String
            switch rewrite {
            case 0: other = text.uppercased()
            case 1: other = text + ".0"
            case 2: other = "  " + text + "\t"
            default: other = version.normalized
            }
            guard let parsed = try? Version(other) else { return nil }
            return (version, parsed)
        }
    }

    /// One of `values`, uniformly.
    static func pick(_ values: [String]) -> Generator<String, some SendableSequenceType> {
        Gen.element(of: values).map { $0! }
    }

    static let operators = ["==", "!=", "<", "<=", ">", ">=", "=", "~=", ""]
}

@Suite("Version and VersionSpec: properties over random versions")
struct VersionPropertyTests {
    @Test("ordering is total and antisymmetric: exactly one of <, ==, > holds")
    func totalAndAntisymmetric() async {
        await propertyCheck(count: 2000, input: VersionGenerators.version, VersionGenerators.version) { a, b in
            let relations = [a < b, a == b, b < a].filter { $0 }
            #expect(relations.count == 1, "\(a) vs \(b)")
            #expect((a.compare(to: b) < 0) == (b.compare(to: a) > 0))
        }
    }

    @Test("ordering is transitive")
    func transitive() async {
        await propertyCheck(
            count: 2000,
            input: VersionGenerators.version,
            VersionGenerators.version,
            VersionGenerators.version
        ) { a, b, c in
            let sorted = [a, b, c].sorted()
            #expect(sorted[0] <= sorted[1] && sorted[1] <= sorted[2])
            #expect(sorted[0] <= sorted[2], "\(sorted)")
            if a <= b && b <= c { #expect(a <= c, "\(a) <= \(b) <= \(c)") }
            if a < b && b < c { #expect(a < c, "\(a) < \(b) < \(c)") }
        }
    }

    @Test("parsing a version's description or normalized form gives an equal version")
    func roundTrip() async {
        await propertyCheck(count: 2000, input: VersionGenerators.version) { version in
            let again = try Version(version.description)
            #expect(again == version)
            #expect(again.description == version.description)
            #expect(try Version(version.normalized) == version)
        }
    }

    @Test("equal versions hash alike and satisfy the same specs")
    func equalVersionsAreInterchangeable() async {
        await propertyCheck(
            count: 1000,
            input: VersionGenerators.equalPair,
            VersionGenerators.version,
            VersionGenerators.pick(VersionGenerators.operators)
        ) { pair, bound, op in
            let (a, b) = pair
            #expect(a == b, "\(a) == \(b)")
            #expect(a.hashValue == b.hashValue, "hash \(a) == hash \(b)")
            // A `*` inside a bound makes a glob, which conda matches against the version as written.
            guard !bound.description.contains("*") else { return }
            for text in [op + bound.description, bound.description + ".*", "!=" + bound.description + ".*"] {
                guard let spec = try? VersionSpec(text) else { continue }
                #expect(spec.matches(a) == spec.matches(b), "\(text) on \(a) and \(b)")
            }
        }
    }

    @Test("comparison specs agree with the ordering")
    func comparisonSpecsAgreeWithOrdering() async {
        await propertyCheck(count: 2000, input: VersionGenerators.version, VersionGenerators.version) { a, b in
            let bound = b.description
            // A bound ending in `.*` means "starts with" after `!=` and is dropped after the other
            // operators, as in conda: only star-free bounds compare as versions.
            guard !bound.contains("*") else { return }
            let specs = try ["==", "!=", "<", "<=", ">", ">="].map { try VersionSpec($0 + bound) }
            let expected = [a == b, a != b, a < b, a <= b, a > b, a >= b]
            for (spec, expectation) in zip(specs, expected) {
                #expect(spec.matches(a) == expectation, "\(spec) on \(a)")
            }
            let never = try VersionSpec(">=\(bound),<\(bound)")
            let always = try VersionSpec("<\(bound)|>=\(bound)")
            #expect(!never.matches(a))
            #expect(always.matches(a))
        }
    }

    @Test("a version starts with itself and matches its own .* spec")
    func startsWithItself() async {
        await propertyCheck(count: 2000, input: VersionGenerators.version) { version in
            #expect(version.starts(with: version))
            if !version.description.hasSuffix("*") {
                let spec = try VersionSpec("=" + version.description)
                #expect(spec.matches(version))
            }
        }
    }
}
