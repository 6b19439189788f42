/// Parses version specifications: conda's tokens (`treeify`) and leaves (`VersionSpec.get_matcher`),
/// with a recursive descent in place of conda's operator stack, so that junk conda would
/// silently drop (`1.5(1.6)`) is refused instead.
enum VersionSpecParser {
    enum Token: Equatable {
        case open, close, and, or
        case leaf(String)
        case regex(String)

        var text: String {
            switch self {
            case .open: "("
            case .close: ")"
            case .and: ","
            case .or: "|"
            case .leaf(let text), .regex(let text): text
            }
        }
    }

    /// The longest specification read, in bytes: real ones stay under a few hundred.
    static let maximumLength = 8_192
    /// Parentheses inside one another, at most.
    static let maximumDepth = 64

    static func parse(_ input: String) throws(VersionSpecError) -> VersionSpecTree {
        guard input.utf8.count <= maximumLength else {
            throw VersionSpecError(input: String(input.prefix(64)) + "…", reason: .tooLong(limit: maximumLength))
        }
        let tokens = tokenize(input)
        if tokens.isEmpty { throw VersionSpecError(input: input, reason: .empty) }
        var cursor = Cursor(tokens: tokens, input: input)
        let tree = try cursor.parseAlternatives()
        if let extra = cursor.peek {
            throw VersionSpecError(
                input: input,
                reason: extra == .close ? .unbalancedParenthesis : .unexpectedToken(extra.text)
            )
        }
        return tree
    }

    static func tokenize(_ input: String) -> [Token] {
        let bytes = Array(input.utf8)
        var tokens: [Token] = []
        var index = 0
        while index < bytes.count {
            var start = index
            while start < bytes.count, isSpace(bytes[start]) { start += 1 }
            if start == bytes.count { break }
            let byte = bytes[start]
            if byte == UInt8(ascii: "^"), let end = bytes[start...].firstIndex(of: UInt8(ascii: "$")) {
                tokens.append(.regex(String(decoding: bytes[start...end], as: UTF8.self)))
                index = end + 1
                continue
            }
            switch byte {
            case UInt8(ascii: "("): tokens.append(.open)
            case UInt8(ascii: ")"): tokens.append(.close)
            case UInt8(ascii: ","): tokens.append(.and)
            case UInt8(ascii: "|"): tokens.append(.or)
            default:
                var end = start
                while end < bytes.count, !isPunctuation(bytes[end]) { end += 1 }
                tokens.append(.leaf(String(decoding: bytes[start..<end], as: UTF8.self)))
                index = end
                continue
            }
            index = start + 1
        }
        return tokens
    }

    struct Cursor {
        let tokens: [Token]
        let input: String
        var position = 0
        /// Open parentheses around the reading position.
        var depth = 0

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func parseAlternatives() throws(VersionSpecError) -> VersionSpecTree {
            var parts = [try parseConjunction()]
            while peek == .or {
                position += 1
                parts.append(try parseConjunction())
            }
            return parts.count == 1
                ? parts[0]
                : .any(
                    parts.flatMap { part in
                        if case .any(let inner) = part { return inner }
                        return [part]
                    })
        }

        mutating func parseConjunction() throws(VersionSpecError) -> VersionSpecTree {
            var parts = [try parsePrimary()]
            while peek == .and {
                position += 1
                parts.append(try parsePrimary())
            }
            return parts.count == 1
                ? parts[0]
                : .all(
                    parts.flatMap { part in
                        if case .all(let inner) = part { return inner }
                        return [part]
                    })
        }

        mutating func parsePrimary() throws(VersionSpecError) -> VersionSpecTree {
            guard let token = peek else {
                throw VersionSpecError(input: input, reason: .missingExpression(near: "at the end"))
            }
            position += 1
            switch token {
            case .open:
                guard depth < VersionSpecParser.maximumDepth else {
                    throw VersionSpecError(
                        input: String(input.prefix(64)) + (input.utf8.count > 64 ? "…" : ""),
                        reason: .nestedTooDeeply(limit: VersionSpecParser.maximumDepth))
                }
                depth += 1
                defer { depth -= 1 }
                let inner = try parseAlternatives()
                guard peek == .close else {
                    throw VersionSpecError(input: input, reason: .unbalancedParenthesis)
                }
                position += 1
                return inner
            case .close, .and, .or:
                throw VersionSpecError(input: input, reason: .missingExpression(near: "before \"\(token.text)\""))
            case .regex(let pattern):
                return .constraint(.regex(try VersionSpecParser.regex(pattern, in: input)))
            case .leaf(let text):
                return .constraint(try VersionSpecParser.constraint(from: text, in: input))
            }
        }
    }

    /// One leaf, as conda's `VersionSpec.get_matcher` reads it.
    static func constraint(from raw: String, in input: String) throws(VersionSpecError) -> VersionConstraint {
        let text = VersionParser.trimmingWhiteSpace(raw)
        guard let first = text.first, let last = text.last else {
            throw VersionSpecError(input: input, reason: .empty)
        }
        if first == "^" || last == "$" {
            guard first == "^", last == "$", text.count >= 2 else {
                throw VersionSpecError(input: input, reason: .unterminatedRegex(text))
            }
            return .regex(try regex(text, in: input))
        }
        if "=<>!~".contains(first) {
            return try operatorConstraint(text, in: input)
        }
        if text == "*" { return .anything }
        let withoutTrailingStars = text.utf8.reversed().drop(while: { $0 == UInt8(ascii: "*") })
        if withoutTrailingStars.contains(UInt8(ascii: "*")) {
            guard text.utf8.allSatisfy(isGlobByte) else {
                throw VersionSpecError(input: input, reason: .invalidWildcardPattern(text))
            }
            return .glob(GlobPattern(text))
        }
        if last == "*" {
            // conda first rewrites a trailing `*` that does not follow a dot as `.*`, so `1.7**`
            // keeps one star (`1.7*`), then drops the stars and the dots.
            var prefix = Substring(text)
            if !prefix.hasSuffix(".*") { prefix = prefix.dropLast() + ".*" }
            while prefix.last == "*" { prefix = prefix.dropLast() }
            while prefix.last == "." { prefix = prefix.dropLast() }
            return .startsWith(try version(String(prefix), in: input))
        }
        if text.contains("@") { return .exactText(text) }
        return .equal(try version(text, in: input))
    }

    private static func operatorConstraint(_ text: String, in input: String) throws(VersionSpecError)
        -> VersionConstraint
    {
        let bytes = Array(text.utf8)
        func isOperatorByte(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "=") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "~")
        }
        let op: String
        switch (bytes.first, bytes.count > 1 ? bytes[1] : 0) {
        case (UInt8(ascii: "="), UInt8(ascii: "=")): op = "=="
        case (UInt8(ascii: "!"), UInt8(ascii: "=")): op = "!="
        case (UInt8(ascii: "<"), UInt8(ascii: "=")): op = "<="
        case (UInt8(ascii: ">"), UInt8(ascii: "=")): op = ">="
        case (UInt8(ascii: "~"), UInt8(ascii: "=")): op = "~="
        case (UInt8(ascii: "="), _): op = "="
        case (UInt8(ascii: "<"), _): op = "<"
        case (UInt8(ascii: ">"), _): op = ">"
        default: throw VersionSpecError(input: input, reason: .invalidOperator(text))
        }
        let start = op.utf8.count
        guard start < bytes.count else {
            throw VersionSpecError(input: input, reason: .missingVersion(afterOperator: op))
        }
        if isOperatorByte(bytes[start]) {
            throw VersionSpecError(input: input, reason: .invalidOperator(text))
        }
        if bytes[start...].contains(where: { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) })
            || (!bytes.allSatisfy { $0 < 0x80 } && text.dropFirst(start).contains(where: \.isWhitespace))
        {
            throw VersionSpecError(input: input, reason: .spaceAfterOperator(text))
        }
        var end = bytes.count
        var negatedStartsWith = false
        if end - start >= 2 && bytes[end - 2] == UInt8(ascii: ".") && bytes[end - 1] == UInt8(ascii: "*") {
            switch op {
            case "~=":
                throw VersionSpecError(input: input, reason: .wildcardNotAllowed(text))
            case "!=":
                negatedStartsWith = true
            default:
                // conda ignores `.*` after `=` and `>=` (and, deprecated, after the other comparisons).
                break
            }
            end -= 2
        }
        let operand = String(decoding: bytes[start..<end], as: UTF8.self)
        let bound = try version(operand, in: input)
        switch op {
        case "==": return .equal(bound)
        case "!=": return negatedStartsWith ? .notStartsWith(bound) : .notEqual(bound)
        case "<": return .less(bound)
        case "<=": return .lessOrEqual(bound)
        case ">": return .greater(bound)
        case ">=": return .greaterOrEqual(bound)
        case "=": return .startsWith(bound)
        default:
            let components = bound.normalized.split(separator: ".", omittingEmptySubsequences: false)
            guard components.count >= 2 else {
                throw VersionSpecError(input: input, reason: .compatibleReleaseNeedsTwoComponents(text))
            }
            let prefix = try version(components.dropLast().joined(separator: "."), in: input)
            return .compatible(bound, prefix: prefix)
        }
    }

    static func regex(_ pattern: String, in input: String) throws(VersionSpecError) -> RegexPattern {
        do {
            return try RegexPattern(pattern)
        } catch {
            throw VersionSpecError(input: input, reason: .invalidRegex(error))
        }
    }

    private static func version(_ text: String, in input: String) throws(VersionSpecError) -> Version {
        do {
            return try Version(text)
        } catch {
            throw VersionSpecError(input: input, reason: .invalidVersion(error))
        }
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    @inline(__always)
    private static func isPunctuation(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: ",")
            || byte == UInt8(ascii: "|")
    }

    /// Characters a wildcard pattern may hold: those of a version, in either case, and `-`.
    private static func isGlobByte(_ byte: UInt8) -> Bool {
        if VersionParser.isVersionByte(byte) { return true }
        return byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
