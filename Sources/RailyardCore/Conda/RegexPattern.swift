/// A regular expression from a `^…$` version, name or build specification, matched as
/// Python's `re.match` does (from the start of the text; `$` at the end or before a final
/// newline), by a matcher whose time is linear in the text: see `RegexProgram`.
///
/// The syntax is the part of Python's that specs use: literals, `.`, classes `[...]` with
/// ranges and negation, the escapes `\d \D \w \W \s \S \A \Z` and escaped characters,
/// `* + ? {m,n}` (greedy or lazy), `|`, groups `( )`, `(?: )` and `(?P<name> )`, `^` and `$`.
/// Backreferences, lookaround, word boundaries, inline flags, possessive repeats and atomic
/// groups are refused when the pattern is read.
///
/// | limit | value | code |
/// |---|---|---|
/// | `maximumLength` | 4,096 characters | `spec-too-complex` |
/// | `maximumDepth` | 64 nested groups | `spec-too-complex` |
/// | `maximumRepeat` | 1,000 for `{m,n}` | `spec-too-complex` |
/// | `maximumProgramSize` | 10,000 instructions | `spec-too-complex` |
package struct RegexPattern: Sendable, Hashable, CustomStringConvertible {
    /// The longest expression read, in characters.
    package static let maximumLength = 4_096
    /// Groups inside one another, at most.
    package static let maximumDepth = 64
    /// The highest count of a `{m,n}` repeat.
    package static let maximumRepeat = 1_000
    /// The most instructions an expression may compile to: matching costs at most this many
    /// steps per character of the text.
    package static let maximumProgramSize = 10_000

    /// The expression as written.
    package let description: String
    private let program: RegexProgram

    /// Compiles `pattern`, or throws why it is refused.
    package init(_ pattern: String) throws(RegexError) {
        guard pattern.unicodeScalars.count <= Self.maximumLength else {
            throw RegexError(
                pattern: String(pattern.prefix(64)) + "…",
                reason: .tooComplex("longer than \(Self.maximumLength) characters"))
        }
        let node = try RegexParser.parse(pattern)
        self.program = try RegexProgram(node, pattern: pattern, limit: Self.maximumProgramSize)
        self.description = pattern
    }

    /// Whether the expression matches at the start of `text` (Python's `re.match`).
    package func matches(_ text: String) -> Bool {
        program.matches(text)
    }

    package static func == (left: RegexPattern, right: RegexPattern) -> Bool {
        left.description == right.description
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}
