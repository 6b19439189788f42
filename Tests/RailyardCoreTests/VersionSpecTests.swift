import RailyardCore
import Testing

@Suite("VersionSpec: matching as conda's VersionSpec")
struct VersionSpecTests {
    @Test("conda's verdict on spec and version", arguments: CondaCases.specMatches)
    func matches(_ testCase: SpecCase) throws {
        let spec = try VersionSpec(testCase.spec)
        let version = try Version(testCase.version)
        #expect(spec.matches(version) == testCase.expected)
    }

    @Test("specs conda refuses are refused", arguments: CondaCases.invalidSpecs)
    func refused(_ text: String) {
        #expect(throws: VersionSpecError.self) { try VersionSpec(text) }
    }

    @Test(
        "specs conda truncates or fails on later are refused up front",
        arguments: CondaCases.refusedWhereCondaIsLenient
    )
    func refusedWhereCondaIsLenient(_ text: String) {
        #expect(throws: VersionSpecError.self) { try VersionSpec(text) }
    }

    @Test(
        "a refusal names the offending part",
        arguments: [
            ("", VersionSpecError.Reason.empty),
            ("1.5||1.6", .missingExpression(near: "before \"|\"")),
            (">=1.0,", .missingExpression(near: "at the end")),
            ("()", .missingExpression(near: "before \")\"")),
            ("(1.5", .unbalancedParenthesis),
            ("1.5)", .unbalancedParenthesis),
            ("(1.5)(1.6)", .unexpectedToken("(")),
            ("===3.3.2", .invalidOperator("===3.3.2")),
            ("~1.0", .invalidOperator("~1.0")),
            ("!1.0", .invalidOperator("!1.0")),
            (">=", .missingVersion(afterOperator: ">=")),
            ("==", .missingVersion(afterOperator: "==")),
            ("~=3.3.2.*", .wildcardNotAllowed("~=3.3.2.*")),
            ("~=3", .compatibleReleaseNeedsTwoComponents("~=3")),
            ("^1.5", .unterminatedRegex("^1.5")),
            ("1.5$", .unterminatedRegex("1.5$")),
            (
                "^1.[$",
                .invalidRegex(
                    RegexError(pattern: "^1.[$", reason: .syntax("unterminated character set at position 3")))
            ),
            ("1.*&", .invalidWildcardPattern("1.*&")),
            (">=2.3,<2.6&", .invalidVersion(VersionError(input: "2.6&", reason: .invalidCharacter("&")))),
        ] as [(String, VersionSpecError.Reason)]
    )
    func refusalReason(_ text: String, _ reason: VersionSpecError.Reason) {
        #expect(throws: VersionSpecError(input: text, reason: reason)) { try VersionSpec(text) }
    }

    @Test("a space after an operator is refused with a hint")
    func spaceAfterOperator() {
        // The tokenizer splits at `,` and `|`, so the leaf keeps its inner space.
        #expect(throws: VersionSpecError(input: ">= 1.5", reason: .spaceAfterOperator(">= 1.5"))) {
            try VersionSpec(">= 1.5")
        }
    }

    @Test("`,` binds tighter than `|`; parentheses regroup")
    func precedence() throws {
        let version = try Version("1.0")
        // (1.0 or 2.0) and >1.5  → false;  1.0 or (2.0 and >1.5) → true
        #expect(try VersionSpec("1.0|2.0,>1.5").matches(version))
        #expect(try !VersionSpec("(1.0|2.0),>1.5").matches(version))
    }

    @Test("equal specs compare equal however they are grouped or written")
    func specEquality() throws {
        #expect(try VersionSpec("1.7.1*") == VersionSpec("1.7.1.*"))
        #expect(try VersionSpec("1.7.1*,1.8.1*") == VersionSpec("1.7.1.*,1.8.1.*"))
        #expect(try VersionSpec("1.5|(1.6|1.7)") == VersionSpec("1.5|1.6|1.7"))
        #expect(try VersionSpec("1.7.1") != VersionSpec("1.7.1*"))
        #expect(try VersionSpec("==1.7") == VersionSpec("1.7.0"))
    }

    @Test("exactness: a bare or == version is exact, a wildcard is not")
    func exactness() throws {
        #expect(try VersionSpec("1.7.1").isExact)
        #expect(try VersionSpec("==1.7.1").isExact)
        #expect(try !VersionSpec("1.7.1*").isExact)
        #expect(try !VersionSpec(">=1.7").isExact)
    }

    @Test("a release candidate is judged by its string: 2.6.0rc1 passes <2.6")
    func releaseCandidatePassesUpperBound() throws {
        // The reason trains judge specs against the final version, never the RC string.
        let pin = try VersionSpec(">=2.3,<2.6")
        #expect(pin.matches(try Version("2.6.0rc1")))
        #expect(!pin.matches(try Version("2.6.0")))
    }
}
