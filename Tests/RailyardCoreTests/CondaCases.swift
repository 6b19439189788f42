// Cases gathered from conda's documentation and test-suite (conda/models/version.py's
// VersionOrder docstring, tests/models/test_version.py) and from the PyTorch release history,
// each confirmed against conda's VersionOrder and VersionSpec. Data only: the tests that use
// them are VersionOrderTests and VersionSpecTests.

/// Versions in ascending conda order; the members of one group are equal.
struct OrderedChain: Sendable, CustomStringConvertible {
    let name: String
    let groups: [[String]]
    var description: String { name }
}

/// Two versions.
struct VersionPair: Sendable, CustomStringConvertible {
    let left: String
    let right: String
    init(_ left: String, _ right: String) {
        self.left = left
        self.right = right
    }
    var description: String { "\(left) vs \(right)" }
}

/// A version, a prefix, and whether conda's `startswith` holds.
struct StartsWithCase: Sendable, CustomStringConvertible {
    let version: String
    let prefix: String
    let expected: Bool
    init(_ version: String, _ prefix: String, _ expected: Bool) {
        self.version = version
        self.prefix = prefix
        self.expected = expected
    }
    var description: String { "\(version) starts with \(prefix): \(expected)" }
}

/// A spec, a version, and whether conda matches them.
struct SpecCase: Sendable, CustomStringConvertible {
    let spec: String
    let version: String
    let expected: Bool
    init(_ spec: String, _ version: String, _ expected: Bool) {
        self.spec = spec
        self.version = version
        self.expected = expected
    }
    var description: String { "\(spec) ~ \(version): \(expected)" }
}

enum CondaCases {
    static let orderedChains: [OrderedChain] = [
        OrderedChain(
            name: "conda test_version_order",
            groups: [
                ["0.4", "0.4.0"],
                ["0.4.1a.vc11"],
                ["0.4.1.rc"],
                ["0.4.1.vc11"],
                ["0.4.1"],
                ["0.5*"],
                ["0.5a1"],
                ["0.5b3"],
                ["0.5C1"],
                ["0.5z"],
                ["0.5za"],
                ["0.5"],
                ["0.5_5", "0.5-5"],
                ["0.9.6"],
                ["0.960923"],
                ["1.0"],
                ["1.0.4a3"],
                ["1.0.4b1"],
                ["1.0.4"],
                ["1.1dev1"],
                ["1.1_"],
                ["1.1a1"],
                ["1.1.dev1"],
                ["1.1.a1"],
                ["1.1"],
                ["1.1.post1"],
                ["1.1.1dev1"],
                ["1.1.1rc1"],
                ["1.1.1"],
                ["1.1.1post1"],
                ["1.1post1"],
                ["2g6"],
                ["2.0b1pr0"],
                ["2.2be.ta29"],
                ["2.2be5ta29"],
                ["2.2beta29"],
                ["2.2.0.1"],
                ["3.1.1.6"],
                ["3.2.p.r0"],
                ["3.2.pr0"],
                ["3.2.pr.1"],
                ["5.5.kw"],
                ["11g"],
                ["14.3.1"],
                ["14.3.1.post26.g9d75ca2"],
                ["1996.07.12"],
                ["1!0.4.1"],
                ["1!3.1.1.6"],
                ["2!0.4.1"],
            ]
        ),
        OrderedChain(
            name: "conda VersionOrder docstring",
            groups: [
                ["0.4", "0.4.0"],
                ["0.4.1.rc", "0.4.1.RC"],
                ["0.4.1"],
                ["0.5a1"],
                ["0.5b3"],
                ["0.5C1"],
                ["0.5"],
                ["0.9.6"],
                ["0.960923"],
                ["1.0"],
                ["1.1dev1"],
                ["1.1a1"],
                ["1.1.0dev1", "1.1.dev1"],
                ["1.1.a1"],
                ["1.1.0rc1"],
                ["1.1.0", "1.1"],
                ["1.1.0post1", "1.1.post1"],
                ["1.1post1"],
                ["1996.07.12"],
                ["1!0.4.1"],
                ["1!3.1.1.6"],
                ["2!0.4.1"],
            ]
        ),
        OrderedChain(
            name: "conda test_openssl_convention",
            groups: [
                ["1.0.1dev"],
                ["1.0.1_"],
                ["1.0.1a"],
                ["1.0.1b"],
                ["1.0.1c"],
                ["1.0.1d"],
                ["1.0.1r"],
                ["1.0.1rc"],
                ["1.0.1rc1"],
                ["1.0.1rc2"],
                ["1.0.1s"],
                ["1.0.1"],
                ["1.0.1post.a"],
                ["1.0.1post.b"],
                ["1.0.1post.z"],
                ["1.0.1post.za"],
                ["1.0.2"],
            ]
        ),
        OrderedChain(
            name: "conda test_pep440",
            groups: [
                ["1.0a1"],
                ["1.0a2.dev456"],
                ["1.0a12.dev456"],
                ["1.0a12"],
                ["1.0b1.dev456"],
                ["1.0b2"],
                ["1.0b2.post345.dev456"],
                ["1.0b2.post345"],
                ["1.0c1.dev456"],
                ["1.0c1"],
                ["1.0c3"],
                ["1.0rc2"],
                ["1.0.dev456"],
                ["1.0"],
                ["1.0.post456.dev34"],
                ["1.0.post456"],
                ["1.1.dev1"],
                ["1.2.r32+123456"],
                ["1.2.rev33+123456"],
                ["1.2+abc"],
                ["1.2+abc123def"],
                ["1.2+abc123"],
                ["1.2+123abc"],
                ["1.2+123abc456"],
                ["1.2+1234.abc"],
                ["1.2+123456"],
                ["1!1.0a1"],
                ["1!1.0a2.dev456"],
                ["1!1.0a12.dev456"],
                ["1!1.0a12"],
                ["1!1.0b1.dev456"],
                ["1!1.0b2"],
                ["1!1.0b2.post345.dev456"],
                ["1!1.0b2.post345"],
                ["1!1.0c1.dev456"],
                ["1!1.0c1"],
                ["1!1.0c3"],
                ["1!1.0rc2"],
                ["1!1.0.dev456"],
                ["1!1.0"],
                ["1!1.0.post456.dev34"],
                ["1!1.0.post456"],
                ["1!1.1.dev1"],
                ["1!1.2.r32+123456"],
                ["1!1.2.rev33+123456"],
                ["1!1.2+abc"],
                ["1!1.2+abc123def"],
                ["1!1.2+abc123"],
                ["1!1.2+123abc"],
                ["1!1.2+123abc456"],
                ["1!1.2+1234.abc"],
                ["1!1.2+123456"],
            ]
        ),
        OrderedChain(
            name: "conda test_hexrd",
            groups: [
                ["0.3.0.dev"],
                ["0.3.3"],
            ]
        ),
        OrderedChain(
            name: "PyTorch releases and pre-releases",
            groups: [
                ["2.4.1"],
                ["2.5.0a0"],
                ["2.5.0rc1"],
                ["2.5.0rc2"],
                ["2.5.0rc10"],
                ["2.5.0.dev20240601"],
                ["2.5.0+cpu"],
                ["2.5.0+cu118"],
                ["2.5.0+cu121"],
                ["2.5.0"],
                ["2.5.0.post1"],
                ["2.5.1"],
                ["2.6.0a0"],
                ["2.6.0rc1"],
                ["2.6.0.dev20241112"],
                ["2.6"],
                ["2.6.0.post0"],
                ["2.6.1"],
                ["2.10.0"],
                ["10.0.0"],
            ]
        ),
        OrderedChain(
            name: "companion versions",
            groups: [
                ["0.19.1"],
                ["0.20.0rc3"],
                ["0.20"],
                ["0.20.1"],
                ["0.21.0"],
                ["0.100.0"],
            ]
        ),
        OrderedChain(
            name: "big numbers beyond 64 bits",
            groups: [
                ["1.0post"],
                ["18446744073709551615"],
                ["18446744073709551616"],
                ["99999999999999999999999"],
                ["100000000000000000000000"],
            ]
        ),
        OrderedChain(
            name: "dates and calendar versions",
            groups: [
                ["2019.10.1"],
                ["2023.01"],
                ["2023.1.1"],
                ["2023.10"],
                ["2024.01.01.dev0"],
                ["2024.01.01"],
                ["2024.1.1.1"],
            ]
        ),
        OrderedChain(
            name: "text below numbers below post",
            groups: [
                ["1.0.a"],
                ["1.0.b"],
                ["1.0.z"],
                ["1.0.0"],
                ["1.0.post"],
                ["1.0.1"],
            ]
        ),
        OrderedChain(
            name: "dev and star below every other text",
            groups: [
                ["1.0*"],
                ["1.0dev"],
                ["1.0_"],
                ["1.0a"],
                ["1.0"],
            ]
        ),
        OrderedChain(
            name: "case and separators",
            groups: [
                ["1.0A"],
                ["1.0B"],
                ["1.0-1"],
                ["1.0_2"],
                ["1.0.3"],
            ]
        ),
        OrderedChain(
            name: "epochs dominate",
            groups: [
                ["999.9"],
                ["0!1000.0"],
                ["1!0"],
                ["1!0.0.1"],
                ["2!0.0a"],
                ["10!0"],
            ]
        ),
        OrderedChain(
            name: "local versions after equal public",
            groups: [
                ["1.0+a"],
                ["1.0+z"],
                ["1.0"],
                ["1.0+0.1"],
                ["1.0+1"],
                ["1.0+1.0.1"],
                ["1.0+2"],
                ["1.0.1+a"],
            ]
        ),
    ]

    /// Pairs conda holds equal.
    static let equalPairs: [VersionPair] = [
        VersionPair("0.4", "0.4.0"),
        VersionPair("1.1", "1.1.0"),
        VersionPair("1.1", "1.1.0.0.0"),
        VersionPair("0.4.1.rc", "  0.4.1.RC  "),
        VersionPair("0.4.rc", "0.4.RC"),
        VersionPair("0.4.a1", "0.4.0a1"),
        VersionPair("1.1.dev1", "1.1.0dev1"),
        VersionPair("1.1.post1", "1.1.0post1"),
        VersionPair("0.5_5", "0.5-5"),
        VersionPair("0.5_5", "0.5.5"),
        VersionPair("01.02", "1.2"),
        VersionPair("0!1.0", "1.0"),
        VersionPair("00!1.0", "1.0"),
        VersionPair("1!1.0", "1!1.0.0"),
        VersionPair("1.0+abc", "1.0+abc.0"),
        VersionPair("1.0+1_2", "1.0+1.2"),
        VersionPair("2.6.0", "2.6"),
        VersionPair("2.6.0RC1", "2.6.0rc1"),
        VersionPair("1.0DEV", "1.0dev"),
        VersionPair("1.0POST", "1.0post"),
        VersionPair("1.0.0.0.0.0.0.0.0.0.0.0.1", "1.0.0.0.0.0.0.0.0.0.0.0.1.0"),
        VersionPair("007", "7"),
        VersionPair("0000000000000000000000000001", "1"),
    ]

    /// Pairs conda holds different.
    static let unequalPairs: [VersionPair] = [
        VersionPair("0.4", "0.4.1"),
        VersionPair("0.4.a1", "0.4.1a1"),
        VersionPair("1.0", "1.0+0a"),
        VersionPair("1.0", "1.0a"),
        VersionPair("1.0", "1!1.0"),
        VersionPair("2.6.0rc1", "2.6.0"),
        VersionPair("1.1.dev1", "1.1dev1"),
        VersionPair("1.1post1", "1.1.post1"),
        VersionPair("1.0_", "1.0"),
        VersionPair("1.0.1_", "1.0.1a"),
        VersionPair("18446744073709551616", "18446744073709551615"),
        VersionPair("1.0-1", "1.0.1.0.1"),
    ]

    /// (version, prefix, whether version starts with prefix): the relation behind `.*` and `=`.
    static let startsWith: [StartsWithCase] = [
        StartsWithCase("0.4.1", "0", true),
        StartsWithCase("0.4.1", "0.4", true),
        StartsWithCase("0.4.1p1", "0.4", true),
        StartsWithCase("0.4.1p1", "0.4.1p", true),
        StartsWithCase("0.4.1p1", "0.4.1q1", false),
        StartsWithCase("0.4", "0.4.1", false),
        StartsWithCase("0.4.1+1.3", "0.4.1", true),
        StartsWithCase("0.4.1+1.3", "0.4.1+1", true),
        StartsWithCase("0.4.1", "0.4.1+1.3", false),
        StartsWithCase("0.4.1+1", "0.4.1+1.3", false),
        StartsWithCase("1.0", "1.0", true),
        StartsWithCase("1.0.0", "1.0", true),
        StartsWithCase("1.0", "1.0.0", true),
        StartsWithCase("1.0.1", "1.0.0", false),
        StartsWithCase("2013a", "2013a", true),
        StartsWithCase("2013a", "2013b", false),
        StartsWithCase("2013ab", "2013a", true),
        StartsWithCase("1.3.4", "1.2.4", false),
        StartsWithCase("1.2.3+4.5.6", "1.2.3", true),
        StartsWithCase("1.2.3+4.5.6", "1.2.3+4", true),
        StartsWithCase("1.2.3+4.5.6", "1.2.3+5", false),
        StartsWithCase("1.2.3+4.5.6", "1.2.4+5", false),
        StartsWithCase("2.5.1", "2.5", true),
        StartsWithCase("2.50.1", "2.5", false),
        StartsWithCase("2.5", "2.5", true),
        StartsWithCase("2.6.0rc1", "2.6", true),
        StartsWithCase("2.6.0rc1", "2.6.0", true),
        StartsWithCase("2.6.0rc1", "2.6.0rc", true),
        StartsWithCase("2.6.0rc1", "2.6.0r", true),
        StartsWithCase("2.6.0rc1", "2.6.0rc1", true),
        StartsWithCase("2.6.0rc10", "2.6.0rc1", false),
        StartsWithCase("2.6.0", "2.6.0rc", false),
        StartsWithCase("1!2.0", "2", false),
        StartsWithCase("1!2.0", "1!2", true),
        StartsWithCase("2.0", "0!2", true),
        StartsWithCase("1.0.dev1", "1.0", true),
        StartsWithCase("1.0dev1", "1.0d", false),
        StartsWithCase("1.0post1", "1.0", true),
        StartsWithCase("1.0post1", "1.0p", false),
        StartsWithCase("3.11.7", "3.1", false),
        StartsWithCase("3.1.7", "3.1", true),
        StartsWithCase("0.20.1", "0.20", true),
        StartsWithCase("0.2.1", "0.20", false),
        StartsWithCase("1.1", "1.1.0.0", true),
        StartsWithCase("1.1.1", "1.1.0.0", false),
    ]

    /// Strings conda refuses as versions.
    static let invalidVersions: [String] = [
        "",
        "  ",
        "3.5&1",
        "5.5++",
        "5.5..mw",
        "!",
        "a!1.0",
        "a!b!1.0",
        "1!2!3",
        "+1.0",
        "1.0+",
        "1..0",
        ".1",
        "1.",
        "1!",
        "1!+2",
        "1.0+a+b",
        "1.0 2",
        "1.0-1_2",
        "1.0@",
        "1,0",
        "1.0;",
        "é1",
        "1.0~1",
        "1.0=1",
        "1.0/2",
        "1.0(1)",
        "1.0^1",
        "1.0$",
    ]

    /// (spec, version, whether it matches), from `Tests/Fixtures/conda-spec-matches.tsv`.
    static let specMatches: [SpecCase] = Fixtures.specMatches()

    /// Specs conda refuses.
    static let invalidSpecs: [String] = [
        "~",
        "^",
        "1.2+",
        "+1.2",
        "+1.2+",
        "++",
        "c +, 0/|0 *",
        "a[version=)|(",
        "a=)(=b",
        "==",
        "=",
        ">=",
        "<=",
        "(1.5",
        "1.5)",
        "1.5||1.6",
        "^1.5",
        "===3.3.2",
        "~=3.3.2.*",
        "><2.4.5",
        "!!2.4.5",
        "!",
        "",
        "   ",
        ",",
        ">=1.0,",
        "|1.0",
        "()",
        "1.5 1.6",
        ">= 1.5",
        "<=!1.2",
        "1.5$",
        "^1.[$",
        "1.0&1",
        "!1.0",
        "=<1.0",
        "~1.0",
        "<>1.0",
    ]

    /// Specs conda accepts but silently truncates or fails on at match time; Railyard refuses them.
    static let refusedWhereCondaIsLenient: [String] = [
        "~=1",
        "(1.5)(1.6)",
        "1.5(1.6)",
        "^1.5$2.0",
    ]
}
