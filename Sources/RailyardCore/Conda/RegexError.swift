/// Why a `^…$` expression of a version, name or build spec is refused.
package struct RegexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the expression.
    package enum Reason: Equatable, Sendable {
        /// Not a regular expression Python's `re` compiles; the message says what and where.
        case syntax(String)
        /// Python compiles it, but it needs a construct this matcher does not run
        /// (backreference, lookaround, inline flags, possessive or atomic repeat, ...).
        case unsupported(String)
        /// Longer than `RegexPattern.maximumLength`, groups nested deeper than
        /// `RegexPattern.maximumDepth`, or compiled to more than `RegexPattern.maximumProgramSize`
        /// instructions (a repeat count above `RegexPattern.maximumRepeat` counts as too many).
        case tooComplex(String)
    }

    /// The expression as given.
    package let pattern: String
    package let reason: Reason

    package init(pattern: String, reason: Reason) {
        self.pattern = pattern
        self.reason = reason
    }

    /// A stable code for scripts and the API.
    package var code: String {
        switch reason {
        case .syntax: "invalid-regex"
        case .unsupported: "unsupported-regex"
        case .tooComplex: "spec-too-complex"
        }
    }

    package var description: String {
        "\(code): \"\(pattern)\": \(explanation)"
    }

    /// The reason alone.
    package var explanation: String {
        switch reason {
        case .syntax(let message):
            "not a valid regular expression: \(message)"
        case .unsupported(let construct):
            "\(construct) is not supported in a spec's regular expression (write the alternatives out)"
        case .tooComplex(let limit):
            "too complex to match: \(limit); write a simpler expression or a version range"
        }
    }
}
