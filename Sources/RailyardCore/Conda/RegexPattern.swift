/// A regular expression from a `^…$` version or build specification.
package struct RegexPattern: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    package let description: String
    private let compiled: CompiledRegex

    /// Compiles `pattern`, or returns nil when it is not a valid regular expression.
    package init?(_ pattern: String) {
        guard let regex = try? Regex(pattern) else { return nil }
        self.description = pattern
        self.compiled = CompiledRegex(regex: regex)
    }

    /// Whether the expression matches at the start of `text` (Python's `re.match`).
    package func matches(_ text: String) -> Bool {
        (try? compiled.regex.prefixMatch(in: text)) != nil
    }

    package static func == (left: RegexPattern, right: RegexPattern) -> Bool {
        left.description == right.description
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}

/// A compiled `Regex`: immutable once built, so safe to share between tasks.
private final class CompiledRegex: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    init(regex: Regex<AnyRegexOutput>) {
        self.regex = regex
    }
}
