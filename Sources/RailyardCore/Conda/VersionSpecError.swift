/// Why a string is not a conda version specification.
package struct VersionSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rule the specification breaks.
    package enum Reason: Equatable, Sendable {
        case empty
        /// Nothing between two operators, or an operator at an end (`1.5||1.6`, `>=1,`).
        case missingExpression(near: String)
        case unbalancedParenthesis
        case unexpectedToken(String)
        case invalidOperator(String)
        case missingVersion(afterOperator: String)
        case spaceAfterOperator(String)
        case wildcardNotAllowed(String)
        case compatibleReleaseNeedsTwoComponents(String)
        case unterminatedRegex(String)
        case invalidRegex(RegexError)
        /// Longer than `VersionSpecParser.maximumLength` bytes.
        case tooLong(limit: Int)
        /// Parentheses nested deeper than `VersionSpecParser.maximumDepth`.
        case nestedTooDeeply(limit: Int)
        case invalidWildcardPattern(String)
        case invalidVersion(VersionError)
    }

    /// The specification as given.
    package let input: String
    package let reason: Reason

    package init(input: String, reason: Reason) {
        self.input = input
        self.reason = reason
    }

    /// A stable code for scripts and the API.
    package var code: String {
        switch reason {
        case .invalidRegex(let error): error.code
        case .tooLong: "spec-too-long"
        case .nestedTooDeeply: "spec-too-deep"
        default: "invalid-version-spec"
        }
    }

    package var description: String {
        "invalid version spec \"\(input)\": \(explanation)"
    }

    /// The reason alone, naming the offending part.
    package var explanation: String {
        switch reason {
        case .empty:
            "empty version spec"
        case .missingExpression(let near):
            "missing a version constraint \(near)"
        case .unbalancedParenthesis:
            "unbalanced parentheses"
        case .unexpectedToken(let token):
            "unexpected \"\(token)\""
        case .invalidOperator(let part):
            "\"\(part)\" does not start with a known operator (== != < <= > >= = ~=)"
        case .missingVersion(let op):
            "operator \"\(op)\" has no version after it"
        case .spaceAfterOperator(let part):
            "\"\(part)\" has white space inside; write the operator and the version together"
        case .wildcardNotAllowed(let part):
            "\"\(part)\": ~= does not take a .* wildcard"
        case .compatibleReleaseNeedsTwoComponents(let part):
            "\"\(part)\": ~= needs a version with at least two components"
        case .unterminatedRegex(let part):
            "\"\(part)\": a regular expression must start with ^ and end with $"
        case .invalidRegex(let error):
            "\(error.code): \"\(error.pattern)\": \(error.explanation)"
        case .tooLong(let limit):
            "spec-too-long: longer than \(limit) bytes; split it or write a range"
        case .nestedTooDeeply(let limit):
            "spec-too-deep: parentheses nested deeper than \(limit) levels"
        case .invalidWildcardPattern(let part):
            "\"\(part)\" is not a valid wildcard pattern"
        case .invalidVersion(let error):
            "\"\(error.input)\" is not a version: \(error.explanation)"
        }
    }
}
