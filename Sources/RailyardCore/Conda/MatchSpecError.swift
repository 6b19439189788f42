/// Why a string is not a conda match spec.
package struct MatchSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rule the spec breaks.
    package enum Reason: Equatable, Sendable {
        case empty
        case missingName
        case invalidName(String)
        case unterminatedBrackets
        case multipleBrackets
        case malformedBrackets(String)
        case unsupportedKey(String)
        case invalidBuildNumber(String)
        /// The name or build field's `^…$` expression is refused.
        case invalidRegex(field: String, RegexError)
        /// Longer than `MatchSpecParser.maximumLength` bytes.
        case tooLong(limit: Int)
        case invalidVersionSpec(VersionSpecError)
    }

    /// The spec as given.
    package let input: String
    package let reason: Reason

    package init(input: String, reason: Reason) {
        self.input = input
        self.reason = reason
    }

    /// A stable code for scripts and the API.
    package var code: String {
        switch reason {
        case .invalidRegex(_, let error): error.code
        case .invalidVersionSpec(let error): error.code
        case .tooLong: "spec-too-long"
        default: "invalid-match-spec"
        }
    }

    package var description: String {
        "invalid match spec \"\(input)\": \(explanation)"
    }

    /// The reason alone, naming the offending part.
    package var explanation: String {
        switch reason {
        case .empty:
            "empty match spec"
        case .missingName:
            "no package name"
        case .invalidName(let name):
            "\"\(name)\" is not a package name (lower-case letters, digits, '.', '_' and '-')"
        case .unterminatedBrackets:
            "'[' without a closing ']' at the end"
        case .multipleBrackets:
            "more than one [...] section"
        case .malformedBrackets(let part):
            "cannot read \"\(part)\" inside [...] as key=value"
        case .unsupportedKey(let key):
            "unsupported key \"\(key)\" inside [...] (version, build, build_number, channel, subdir)"
        case .invalidBuildNumber(let value):
            "build_number \"\(value)\" is not a whole number"
        case .invalidRegex(let field, let error):
            "\(field) \(error.code): \"\(error.pattern)\": \(error.explanation)"
        case .tooLong(let limit):
            "spec-too-long: longer than \(limit) bytes"
        case .invalidVersionSpec(let error):
            error.explanation
        }
    }
}
