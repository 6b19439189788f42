import RailyardCore
import Testing

/// A match spec and whether conda says it matches a package record.
struct MatchSpecCase: Sendable, CustomStringConvertible {
    let spec: String
    let expected: Bool
    init(_ spec: String, _ expected: Bool) {
        self.spec = spec
        self.expected = expected
    }
    var description: String { "\(spec): \(expected)" }
}

@Suite("MatchSpec: dependency strings as conda reads them")
struct MatchSpecTests {
    /// conda's tests/models/test_match_spec.py `test_match_1`, against numpy-1.7.1-py27_0.
    static let numpyCases: [MatchSpecCase] = [
        MatchSpecCase("numpy 1.7*", true),
        MatchSpecCase("numpy 1.7.1", true),
        MatchSpecCase("numpy 1.7", false),
        MatchSpecCase("numpy 1.5*", false),
        MatchSpecCase("numpy >=1.5", true),
        MatchSpecCase("numpy >=1.5,<2", true),
        MatchSpecCase("numpy >=1.8,<1.9", false),
        MatchSpecCase("numpy >1.5,<2,!=1.7.1", false),
        MatchSpecCase("numpy >1.8,<2|==1.7", false),
        MatchSpecCase("numpy >1.8,<2|>=1.7.1", true),
        MatchSpecCase("numpy >=1.8|1.7*", true),
        MatchSpecCase("numpy ==1.7", false),
        MatchSpecCase("numpy >=1.5,>1.6", true),
        MatchSpecCase("numpy ==1.7.1", true),
        MatchSpecCase("numpy ==1.7.1.0", true),
        MatchSpecCase("numpy==1.7.1.0.0", true),
        MatchSpecCase("numpy >=1,*.7.*", true),
        MatchSpecCase("numpy *.7.*,>=1", true),
        MatchSpecCase("numpy >=1,*.8.*", false),
        MatchSpecCase("numpy >=2,*.7.*", false),
        MatchSpecCase("numpy 1.6*|1.7*", true),
        MatchSpecCase("numpy 1.6*|1.8*", false),
        MatchSpecCase("numpy 1.6.2|1.7*", true),
        MatchSpecCase("numpy 1.6.2|1.7.1", true),
        MatchSpecCase("numpy 1.6.2|1.7.0", false),
        MatchSpecCase("numpy 1.7.1 py27_0", true),
        MatchSpecCase("numpy 1.7.1 py26_0", false),
        MatchSpecCase("numpy >1.7.1a", true),
        MatchSpecCase("python", false),
        // Same record, more of conda's spellings.
        MatchSpecCase("numpy", true),
        MatchSpecCase("numpy=1.7", true),
        MatchSpecCase("numpy=1.7.1=py27_0", true),
        MatchSpecCase("numpy=1.7.1=py26_0", false),
        MatchSpecCase("numpy=1.7=py27_0", false),
        MatchSpecCase("numpy 1.7.* py27*", true),
        MatchSpecCase("numpy * py27_0", true),
        MatchSpecCase("numpy * *_0", true),
        MatchSpecCase("numpy * *_1", false),
        MatchSpecCase("numpy >=1.0 , < 2.0 py27_0", true),
        MatchSpecCase("numpy[version='>=1.7,<2']", true),
        MatchSpecCase("numpy[version=1.7.*, build=py27_0]", true),
        MatchSpecCase("numpy[build=py26_0]", false),
        MatchSpecCase("numpy[build_number=0]", true),
        MatchSpecCase("numpy[build_number=1]", false),
        MatchSpecCase("conda-forge::numpy >=1.7", true),
        MatchSpecCase("num*", true),
        MatchSpecCase("*", true),
        MatchSpecCase("numpy # a comment", true),
        MatchSpecCase("numpy ^1\\.7\\..*$", true),
        MatchSpecCase("numpy * ^py2.*_0$", true),
        MatchSpecCase("NumPy >=1.5", true),
        MatchSpecCase("NUM*", true),
    ]

    @Test("conda's verdicts against numpy-1.7.1-py27_0", arguments: numpyCases)
    func numpy(_ testCase: MatchSpecCase) throws {
        let spec = try MatchSpec(testCase.spec)
        let matches = spec.matches(name: "numpy", version: try Version("1.7.1"), build: "py27_0", buildNumber: 0)
        #expect(matches == testCase.expected)
    }

    @Test(
        "more of conda's record checks",
        arguments: [
            ("numpy >=1.0.1", "1.0.1a", "0", false),
            ("numpy >=1.0.1.vc11", "1.0.1a.vc11", "0", false),
            ("numpy >=1.0.1*.vc11", "1.0.1a.vc11", "0", true),
            ("numpy <1.0.1", "1.0.1.vc11", "0", true),
            ("numpy <1.0.1", "1.0.1a.vc11", "0", true),
            ("numpy >=1.0.1.vc11", "1.0.1a", "0", false),
            ("numpy >=1.0.1a", "1.0.1z", "0", true),
            ("numpy >=1.0.1a py27*", "1.0.1z", "py27_1", true),
            ("blas * openblas_0", "1.0", "openblas_0", true),
        ] as [(String, String, String, Bool)]
    )
    func records(_ spec: String, _ version: String, _ build: String, _ expected: Bool) throws {
        let name = spec.split(separator: " ")[0]
        let matches = try MatchSpec(spec).matches(name: String(name), version: Version(version), build: build)
        #expect(matches == expected)
    }

    @Test(
        "the version and build parts are read as conda reads them",
        arguments: [
            ("numpy", "numpy", nil, nil),
            ("numpy=1.7", "numpy", "1.7*", nil),
            ("numpy 1.7*", "numpy", "1.7*", nil),
            ("numpy==1.7", "numpy", "1.7", nil),
            ("numpy 1.7", "numpy", "1.7", nil),
            ("numpy>=1.7", "numpy", ">=1.7", nil),
            ("numpy =1.7.*", "numpy", "1.7.*", nil),
            ("numpy=1.7=py3*_2", "numpy", "1.7", "py3*_2"),
            ("foo 1.0 py27_0", "foo", "1.0", "py27_0"),
            ("foo >=1.0 , < 2.0 py34_0", "foo", ">=1.0,<2.0", "py34_0"),
            ("foo >=1.0 , < 2.0 =py34_0", "foo", ">=1.0,<2.0", "py34_0"),
            ("foo >1.8,<2|==1.7", "foo", ">1.8,<2|==1.7", nil),
            ("blas * openblas_0", "blas", "*", "openblas_0"),
            ("blas * *", "blas", "*", "*"),
            ("python_abi 3.11.* *_cp311", "python_abi", "3.11.*", "*_cp311"),
            ("pytorch 2.5.1.*", "pytorch", "2.5.1.*", nil),
            ("pytorch >=2.3,<2.6", "pytorch", ">=2.3,<2.6", nil),
            ("__glibc >=2.17", "__glibc", ">=2.17", nil),
            ("PyTorch >=2.3", "pytorch", ">=2.3", nil),
            ("libgcc-ng >=12", "libgcc-ng", ">=12", nil),
            ("numpy[version='>=1.7', build=py*]", "numpy", ">=1.7", "py*"),
            ("numpy[version=1.7.*]", "numpy", "1.7.*", nil),
            ("numpy[version=\"1.7|1.8\"]", "numpy", "1.7|1.8", nil),
        ] as [(String, String, String?, String?)]
    )
    func parts(_ text: String, _ name: String, _ version: String?, _ build: String?) throws {
        let spec = try MatchSpec(text)
        #expect(spec.name.description == name)
        #expect(spec.version?.description == version)
        #expect(spec.build?.description == build)
    }

    @Test("channel and subdir prefixes")
    func channel() throws {
        let plain = try MatchSpec("conda-forge::numpy>=1.7")
        #expect(plain.channel == "conda-forge")
        #expect(plain.subdir == nil)
        #expect(plain.exactName == "numpy")
        let withSubdir = try MatchSpec("pytorch/linux-64::pytorch 2.5.1")
        #expect(withSubdir.channel == "pytorch")
        #expect(withSubdir.subdir == "linux-64")
        let url = try MatchSpec("https://conda.anaconda.org/pytorch::pytorch")
        #expect(url.channel == "https://conda.anaconda.org/pytorch")
        let bracketed = try MatchSpec("numpy[channel=conda-forge, subdir=osx-arm64]")
        #expect(bracketed.channel == "conda-forge")
        #expect(bracketed.subdir == "osx-arm64")
    }

    @Test(
        "a refusal names the offending part",
        arguments: [
            ("", MatchSpecError.Reason.empty),
            ("   # only a comment", .empty),
            (">=1.0", .missingName),
            ("Num$py", .invalidName("Num$py")),
            ("-numpy", .invalidName("-numpy")),
            ("num..py", .invalidName("num..py")),
            ("numpy[version=1.7", .unterminatedBrackets),
            ("numpy[version=1.7][build=x]", .multipleBrackets),
            ("numpy]", .malformedBrackets("]")),
            ("numpy[1.7]", .malformedBrackets("1.7")),
            ("numpy[md5=abc]", .unsupportedKey("md5")),
            ("numpy[build_number=x]", .invalidBuildNumber("x")),
            (
                "numpy * ^py(_0$",
                .invalidRegex(
                    field: "build",
                    RegexError(pattern: "^py(_0$", reason: .syntax("missing ), unterminated subpattern at position 3")))
            ),
            (
                "numpy >=1.0,<=",
                .invalidVersionSpec(VersionSpecError(input: ">=1.0,<=", reason: .missingVersion(afterOperator: "<=")))
            ),
            (
                "numpy ==",
                .invalidVersionSpec(VersionSpecError(input: "==", reason: .missingVersion(afterOperator: "==")))
            ),
        ] as [(String, MatchSpecError.Reason)]
    )
    func refusal(_ text: String, _ reason: MatchSpecError.Reason) {
        #expect(throws: MatchSpecError(input: text, reason: reason)) { try MatchSpec(text) }
    }

    @Test("the message names the spec and the part")
    func message() {
        let error = MatchSpecError(
            input: "pytorch >=2.3,<2.6&",
            reason: .invalidVersionSpec(
                VersionSpecError(
                    input: ">=2.3,<2.6&",
                    reason: .invalidVersion(VersionError(input: "2.6&", reason: .invalidCharacter("&")))
                )
            )
        )
        #expect(error.description.hasPrefix("invalid match spec \"pytorch >=2.3,<2.6&\": \"2.6&\" is not a version"))
    }
}
