/// Turns a version string into conda's component lists, following `VersionOrder.__init__`
/// step by step (see `Version`), on the string's UTF-8 bytes.
enum VersionParser {
    struct Parsed {
        var description: String
        var normalized: String
        var release: [[VersionAtom]]
        var local: [[VersionAtom]]
    }

    static func parse(_ input: String) throws(VersionError) -> Parsed {
        let trimmed = trimmingWhiteSpace(input)
        if trimmed.isEmpty { throw VersionError(input: input, reason: .empty) }

        var bytes = lowercasedBytes(trimmed)
        if let invalid = bytes.firstIndex(where: { !isVersionByte($0) }) {
            if bytes.contains(UInt8(ascii: "-")) && !bytes.contains(UInt8(ascii: "_")) {
                for index in bytes.indices where bytes[index] == UInt8(ascii: "-") {
                    bytes[index] = UInt8(ascii: "_")
                }
            }
            if bytes[invalid...].contains(where: { !isVersionByte($0) }) {
                throw VersionError(input: input, reason: .invalidCharacter(firstInvalidCharacter(in: trimmed)))
            }
        }
        let normalized = String(decoding: bytes, as: UTF8.self)

        // Epoch.
        var epochBytes: ArraySlice<UInt8> = [UInt8(ascii: "0")]
        var rest = bytes[...]
        if let bang = bytes.firstIndex(of: UInt8(ascii: "!")) {
            if bytes[(bang + 1)...].contains(UInt8(ascii: "!")) {
                throw VersionError(input: input, reason: .duplicateEpochSeparator)
            }
            epochBytes = bytes[..<bang]
            if epochBytes.isEmpty || !epochBytes.allSatisfy(isDigit) {
                throw VersionError(input: input, reason: .epochNotInteger(String(decoding: epochBytes, as: UTF8.self)))
            }
            rest = bytes[(bang + 1)...]
        }

        // Local version.
        var publicBytes = rest
        var localBytes: ArraySlice<UInt8>? = nil
        if let plus = rest.firstIndex(of: UInt8(ascii: "+")) {
            if rest[(plus + 1)...].contains(UInt8(ascii: "+")) {
                throw VersionError(input: input, reason: .duplicateLocalSeparator)
            }
            publicBytes = rest[..<plus]
            localBytes = rest[(plus + 1)...]
        }
        if publicBytes.isEmpty {
            throw VersionError(
                input: input,
                reason: localBytes != nil ? .missingVersionBeforeLocal : .missingVersionAfterEpoch
            )
        }

        var release: [[VersionAtom]] = []
        release.reserveCapacity(5)
        guard let epoch = atoms(of: epochBytes) else {
            throw VersionError(input: input, reason: .emptyComponent)
        }
        release.append(epoch)

        // A trailing underscore stays with the last component (openssl-style `1.0.1_`).
        let trailingUnderscore = publicBytes.last == UInt8(ascii: "_")
        let body = trailingUnderscore ? publicBytes.dropLast() : publicBytes
        var components = split(body, separatedBy: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") })
        if trailingUnderscore {
            components[components.count - 1].append(UInt8(ascii: "_"))
        }
        for component in components {
            guard let parsed = atoms(of: component[...]) else {
                throw VersionError(input: input, reason: .emptyComponent)
            }
            release.append(parsed)
        }

        var local: [[VersionAtom]] = []
        if let localBytes {
            for component in split(localBytes, separatedBy: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") }) {
                guard let parsed = atoms(of: component[...]) else {
                    throw VersionError(input: input, reason: .emptyComponent)
                }
                local.append(parsed)
            }
        }
        return Parsed(description: trimmed, normalized: normalized, release: release, local: local)
    }

    /// Splits into runs of digits, of stars and of anything else; nil for an empty component.
    private static func atoms(of component: ArraySlice<UInt8>) -> [VersionAtom]? {
        guard let first = component.first else { return nil }
        var result: [VersionAtom] = []
        result.reserveCapacity(isDigit(first) ? 1 : 2)
        if !isDigit(first) { result.append(.zero) }
        var start = component.startIndex
        while start < component.endIndex {
            let kind = runKind(component[start])
            var end = start + 1
            while end < component.endIndex, runKind(component[end]) == kind { end += 1 }
            let run = component[start..<end]
            switch kind {
            case 0: result.append(number(from: run))
            default: result.append(text(from: run))
            }
            start = end
        }
        return result
    }

    /// 0 for digits, 1 for stars, 2 for everything else.
    @inline(__always)
    private static func runKind(_ byte: UInt8) -> Int {
        if isDigit(byte) { return 0 }
        return byte == UInt8(ascii: "*") ? 1 : 2
    }

    private static func number(from digits: ArraySlice<UInt8>) -> VersionAtom {
        let significant = digits.drop(while: { $0 == UInt8(ascii: "0") })
        if significant.count <= 19 {
            var value: UInt64 = 0
            for digit in significant { value = value &* 10 &+ UInt64(digit &- UInt8(ascii: "0")) }
            return .number(value)
        }
        var value: UInt64 = 0
        for digit in significant {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return .bigNumber(String(decoding: significant, as: UTF8.self)) }
            value = sum
        }
        return .number(value)
    }

    private static func text(from run: ArraySlice<UInt8>) -> VersionAtom {
        if run.elementsEqual("post".utf8) { return .post }
        if run.elementsEqual("dev".utf8) { return .text("DEV") }
        return .text(String(decoding: run, as: UTF8.self))
    }

    private static func split(
        _ bytes: ArraySlice<UInt8>,
        separatedBy isSeparator: (UInt8) -> Bool
    ) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in bytes {
            if isSeparator(byte) {
                parts.append(current)
                current = []
            } else {
                current.append(byte)
            }
        }
        parts.append(current)
        return parts
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// conda's `[*.+!_0-9a-z]`.
    @inline(__always)
    static func isVersionByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "*"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "!"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    /// Python's `str.strip()` for the white space a version line can carry.
    static func trimmingWhiteSpace(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        if !isWhiteSpaceByte(first) && !isWhiteSpaceByte(last) && first < 0x80 && last < 0x80 { return text }
        let characters = Substring(text)
        let start = characters.firstIndex(where: { !$0.isWhitespace }) ?? characters.endIndex
        let end = characters[start...].lastIndex(where: { !$0.isWhitespace }).map(characters.index(after:)) ?? start
        return String(characters[start..<end])
    }

    @inline(__always)
    private static func isWhiteSpaceByte(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// Lower-case, as Python's `str.lower()`: ASCII fast, Unicode rules otherwise.
    private static func lowercasedBytes(_ text: String) -> [UInt8] {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return text.utf8.map { byte in
                byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            }
        }
        return Array(text.lowercased().utf8)
    }

    private static func firstInvalidCharacter(in trimmed: String) -> Character {
        let lowered = trimmed.lowercased()
        let hasUnderscore = lowered.contains("_")
        for character in lowered {
            if character == "-" && !hasUnderscore { continue }
            if character.utf8.count != 1 || !isVersionByte(character.utf8.first!) {
                return character
            }
        }
        return "?"
    }
}
