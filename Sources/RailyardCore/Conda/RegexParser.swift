/// One part of a parsed regular expression.
indirect enum RegexNode: Sendable {
    case empty
    case scalar(UInt32)
    case set(RegexCharacterSet)
    /// `.`: any character but a newline.
    case any
    /// `^` and `\A`: the start of the text.
    case start
    /// `$`: the end of the text, or just before a newline that ends it.
    case end
    /// `\Z`: the end of the text.
    case endOfText
    case sequence([RegexNode])
    case alternation([RegexNode])
    /// `min` to `max` times; `max` nil for no upper bound.
    case repetition(RegexNode, min: Int, max: Int?)

    var isAnchor: Bool {
        switch self {
        case .start, .end, .endOfText: true
        default: false
        }
    }
}

/// A bracketed class (`[a-z_]`, `[^\d.]`) or a class escape (`\d`, `\W`), over code points.
struct RegexCharacterSet: Sendable {
    enum Kind: Sendable {
        case digit, word, space
    }

    var ranges: [ClosedRange<UInt32>] = []
    var classes: [(kind: Kind, negated: Bool)] = []
    var negated = false

    func contains(_ value: UInt32) -> Bool {
        var found = false
        for range in ranges where range.contains(value) {
            found = true
            break
        }
        if !found {
            for item in classes where Self.isMember(value, of: item.kind) != item.negated {
                found = true
                break
            }
        }
        return found != negated
    }

    /// Python's Unicode rules for `\d`, `\w` and `\s` in a `str` pattern.
    static func isMember(_ value: UInt32, of kind: Kind) -> Bool {
        if value < 0x80 {
            let byte = UInt8(value)
            switch kind {
            case .digit: return byte >= 0x30 && byte <= 0x39
            case .word:
                return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                    || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x5F
            case .space: return byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x1F)
            }
        }
        guard let scalar = Unicode.Scalar(value) else { return false }
        let properties = scalar.properties
        switch kind {
        case .digit:
            return properties.generalCategory == .decimalNumber
        case .word:
            switch properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return properties.numericType != nil
            }
        case .space:
            return properties.isWhitespace
        }
    }
}

/// Reads the part of Python's `re` syntax that conda specs use into a `RegexNode`, refusing
/// what Python refuses and naming what Python accepts but this matcher does not run.
struct RegexParser {
    let pattern: String
    let scalars: [UInt32]
    var position = 0

    init(_ pattern: String) {
        self.pattern = pattern
        self.scalars = pattern.unicodeScalars.map(\.value)
    }

    static func parse(_ pattern: String) throws(RegexError) -> RegexNode {
        var parser = RegexParser(pattern)
        let node = try parser.alternation(depth: 0)
        if parser.position < parser.scalars.count {
            throw parser.syntax("unbalanced parenthesis at position \(parser.position)")
        }
        return node
    }

    private func syntax(_ message: String) -> RegexError {
        RegexError(pattern: pattern, reason: .syntax(message))
    }

    private func unsupported(_ construct: String) -> RegexError {
        RegexError(pattern: pattern, reason: .unsupported(construct))
    }

    private var peek: UInt32? { position < scalars.count ? scalars[position] : nil }

    private mutating func take(_ value: Character) -> Bool {
        guard peek == value.unicodeScalars.first!.value else { return false }
        position += 1
        return true
    }

    private mutating func alternation(depth: Int) throws(RegexError) -> RegexNode {
        var branches = [try sequence(depth: depth)]
        while take("|") { branches.append(try sequence(depth: depth)) }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func sequence(depth: Int) throws(RegexError) -> RegexNode {
        var items: [RegexNode] = []
        /// Whether the last item is a repeat, for Python's "multiple repeat", or a bare anchor,
        /// for its "nothing to repeat" (a group around an anchor may repeat).
        var lastIsRepeat = false
        var lastIsAnchor = false
        while let next = peek, next != ascii("|"), next != ascii(")") {
            let start = position
            if let (min, max) = try quantifier() {
                guard let last = items.last, !lastIsAnchor else {
                    throw syntax("nothing to repeat at position \(start)")
                }
                if lastIsRepeat { throw syntax("multiple repeat at position \(start)") }
                if take("+") { throw unsupported("the possessive repeat at position \(start)") }
                _ = take("?")  // lazy: the same matches exist, so the same answer
                items[items.count - 1] = .repetition(last, min: min, max: max)
                lastIsRepeat = true
                continue
            }
            let item = try atom(depth: depth)
            items.append(item)
            lastIsRepeat = false
            lastIsAnchor = item.isAnchor && next != ascii("(")
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .sequence(items)
        }
    }

    /// `*`, `+`, `?` or a valid `{m}`, `{m,}`, `{,n}`, `{m,n}` at the position; nil (and the
    /// position unchanged) otherwise, so that any other `{` is a literal as in Python.
    private mutating func quantifier() throws(RegexError) -> (Int, Int?)? {
        if take("*") { return (0, nil) }
        if take("+") { return (1, nil) }
        if take("?") { return (0, 1) }
        guard peek == ascii("{") else { return nil }
        let start = position
        position += 1
        let low = digits()
        var high = low
        let hasComma = take(",")
        if hasComma { high = digits() }
        guard take("}"), hasComma || !low.isEmpty else {
            position = start
            return nil
        }
        let minimum = try count(low, at: start) ?? 0
        let maximum = try count(high, at: start)
        if let maximum, maximum < minimum { throw syntax("min repeat greater than max repeat at position \(start)") }
        return (minimum, maximum)
    }

    private mutating func digits() -> [UInt32] {
        let start = position
        while let next = peek, next >= ascii("0"), next <= ascii("9") { position += 1 }
        return Array(scalars[start..<position])
    }

    private func count(_ digits: [UInt32], at start: Int) throws(RegexError) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for digit in digits {
            value = value * 10 + Int(digit - ascii("0"))
            if value > RegexPattern.maximumRepeat {
                throw RegexError(
                    pattern: pattern,
                    reason: .tooComplex(
                        "the repeat at position \(start) counts above \(RegexPattern.maximumRepeat)"))
            }
        }
        return value
    }

    private mutating func atom(depth: Int) throws(RegexError) -> RegexNode {
        let start = position
        let value = scalars[position]
        position += 1
        switch value {
        case ascii("("): return try group(depth: depth, at: start)
        case ascii("["): return .set(try characterClass(at: start))
        case ascii("."): return .any
        case ascii("^"): return .start
        case ascii("$"): return .end
        case ascii("\\"): return try escape(at: start)
        default: return .scalar(value)
        }
    }

    private mutating func group(depth: Int, at start: Int) throws(RegexError) -> RegexNode {
        guard depth < RegexPattern.maximumDepth else {
            throw RegexError(
                pattern: pattern,
                reason: .tooComplex("groups nested deeper than \(RegexPattern.maximumDepth) levels"))
        }
        if take("?") {
            if take(":") {
                // A group that captures nothing.
            } else if take("P") {
                if take("<") {
                    let nameStart = position
                    while let next = peek, next != ascii(">") { position += 1 }
                    let name = String(
                        String.UnicodeScalarView(scalars[nameStart..<position].compactMap(Unicode.Scalar.init)))
                    guard take(">") else { throw syntax("missing >, unterminated name at position \(nameStart)") }
                    guard let first = name.first, first == "_" || first.isLetter,
                        name.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber })
                    else { throw syntax("bad character in group name '\(name)' at position \(nameStart)") }
                } else if take("=") {
                    throw unsupported("the backreference (?P=...) at position \(start)")
                } else {
                    throw syntax("unknown extension ?P at position \(start + 1)")
                }
            } else if take("=") || take("!") {
                throw unsupported("the lookahead at position \(start)")
            } else if take("<") {
                if take("=") || take("!") { throw unsupported("the lookbehind at position \(start)") }
                throw syntax("unknown extension ?< at position \(start + 1)")
            } else if take(">") {
                throw unsupported("the atomic group at position \(start)")
            } else if take("(") {
                throw unsupported("the conditional group at position \(start)")
            } else if take("#") {
                throw unsupported("the comment group at position \(start)")
            } else if let next = peek, "aiLmsux-".unicodeScalars.contains(where: { $0.value == next }) {
                throw unsupported("the inline flags at position \(start)")
            } else {
                throw syntax("unknown extension at position \(start + 1)")
            }
        }
        let inner = try alternation(depth: depth + 1)
        guard take(")") else { throw syntax("missing ), unterminated subpattern at position \(start)") }
        return inner
    }

    /// An escape outside a class, as Python's `_escape` reads it.
    private mutating func escape(at start: Int) throws(RegexError) -> RegexNode {
        guard let value = peek else { throw syntax("bad escape (end of pattern) at position \(start)") }
        position += 1
        if let kind = Self.classKind(value) {
            return .set(RegexCharacterSet(classes: [(kind.0, kind.1)]))
        }
        switch value {
        case ascii("A"): return .start
        case ascii("Z"): return .endOfText
        case ascii("b"), ascii("B"): throw unsupported("the word boundary at position \(start)")
        case ascii("0"):
            var code = 0
            for _ in 0..<2 {
                guard let next = peek, Self.isOctal(next) else { break }
                code = code * 8 + Int(next - ascii("0"))
                position += 1
            }
            return .scalar(UInt32(code))
        case ascii("1")...ascii("9"):
            if let second = peek, second >= ascii("0"), second <= ascii("9"), Self.isOctal(value), Self.isOctal(second),
                position + 1 < scalars.count, Self.isOctal(scalars[position + 1])
            {
                let code =
                    Int(value - ascii("0")) * 64 + Int(second - ascii("0")) * 8
                    + Int(scalars[position + 1] - ascii("0"))
                position += 2
                guard code <= 0o377 else {
                    throw syntax("octal escape value outside of range 0-0o377 at position \(start)")
                }
                return .scalar(UInt32(code))
            }
            throw unsupported("the backreference at position \(start)")
        default:
            return .scalar(try characterEscape(value, at: start, inClass: false))
        }
    }

    /// `\d \D \w \W \s \S`.
    private static func classKind(_ value: UInt32) -> (RegexCharacterSet.Kind, Bool)? {
        switch value {
        case ascii("d"): (.digit, false)
        case ascii("D"): (.digit, true)
        case ascii("w"): (.word, false)
        case ascii("W"): (.word, true)
        case ascii("s"): (.space, false)
        case ascii("S"): (.space, true)
        default: nil
        }
    }

    private static func isOctal(_ value: UInt32) -> Bool { value >= ascii("0") && value <= ascii("7") }

    /// The escapes that stand for one character, in and outside classes.
    private mutating func characterEscape(_ value: UInt32, at start: Int, inClass: Bool) throws(RegexError) -> UInt32 {
        switch value {
        case ascii("a"): return 7
        case ascii("b") where inClass: return 8
        case ascii("f"): return 12
        case ascii("n"): return 10
        case ascii("r"): return 13
        case ascii("t"): return 9
        case ascii("v"): return 11
        case ascii("x"): return try hex(2, at: start)
        case ascii("u"): return try hex(4, at: start)
        case ascii("U"):
            let code = try hex(8, at: start)
            guard code <= 0x10FFFF else { throw syntax("bad escape \\U at position \(start)") }
            return code
        case ascii("N"): throw unsupported("the named character \\N at position \(start)")
        case ascii("a")...ascii("z"), ascii("A")...ascii("Z"), ascii("0")...ascii("9"):
            throw syntax("bad escape at position \(start)")
        default:
            return value
        }
    }

    private mutating func hex(_ count: Int, at start: Int) throws(RegexError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<count {
            guard let next = peek, let digit = Self.hexDigit(next) else {
                throw syntax("incomplete escape at position \(start)")
            }
            code = code * 16 + digit
            position += 1
        }
        return code
    }

    private static func hexDigit(_ value: UInt32) -> UInt32? {
        switch value {
        case ascii("0")...ascii("9"): value - ascii("0")
        case ascii("a")...ascii("f"): value - ascii("a") + 10
        case ascii("A")...ascii("F"): value - ascii("A") + 10
        default: nil
        }
    }

    /// One member of a class: a character or a class escape.
    private enum ClassItem {
        case character(UInt32)
        case kind(RegexCharacterSet.Kind, negated: Bool)
    }

    private mutating func classItem(_ value: UInt32, at start: Int) throws(RegexError) -> ClassItem {
        guard value == ascii("\\") else { return .character(value) }
        guard let escaped = peek else { throw syntax("unterminated character set at position \(start)") }
        position += 1
        if let kind = Self.classKind(escaped) { return .kind(kind.0, negated: kind.1) }
        if Self.isOctal(escaped) {
            var code = Int(escaped - ascii("0"))
            for _ in 0..<2 {
                guard let next = peek, Self.isOctal(next) else { break }
                code = code * 8 + Int(next - ascii("0"))
                position += 1
            }
            guard code <= 0o377 else {
                throw syntax("octal escape value outside of range 0-0o377 at position \(start)")
            }
            return .character(UInt32(code))
        }
        return .character(try characterEscape(escaped, at: start, inClass: true))
    }

    /// `[...]`, as Python's parser reads it: `]` first is a literal, `-` first or last is a
    /// literal, a range between class escapes is an error.
    private mutating func characterClass(at start: Int) throws(RegexError) -> RegexCharacterSet {
        var set = RegexCharacterSet()
        set.negated = take("^")
        let first = position
        while true {
            guard let value = peek else { throw syntax("unterminated character set at position \(start)") }
            let itemStart = position
            position += 1
            if value == ascii("]") && itemStart != first { return set }
            let low = try classItem(value, at: itemStart)
            if peek == ascii("-") {
                position += 1
                guard let next = peek else { throw syntax("unterminated character set at position \(start)") }
                position += 1
                if next == ascii("]") {
                    add(low, to: &set)
                    set.ranges.append(ascii("-")...ascii("-"))
                    return set
                }
                let high = try classItem(next, at: position - 1)
                guard case .character(let lower) = low, case .character(let upper) = high, lower <= upper else {
                    throw syntax("bad character range at position \(itemStart)")
                }
                set.ranges.append(lower...upper)
            } else {
                add(low, to: &set)
            }
        }
    }

    private func add(_ item: ClassItem, to set: inout RegexCharacterSet) {
        switch item {
        case .character(let value): set.ranges.append(value...value)
        case .kind(let kind, let negated): set.classes.append((kind, negated))
        }
    }
}

@inline(__always)
private func ascii(_ character: Unicode.Scalar) -> UInt32 { character.value }
