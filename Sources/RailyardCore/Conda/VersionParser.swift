/// Turns a version string into conda's component lists, following `VersionOrder.__init__`
/// step by step (see `Version`), on the string's UTF-8 bytes.
enum VersionParser {
    struct Parsed {
        var description: String
        var atoms: [VersionAtom]
        var localStart: Int
        var overflow: [String]
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

        var builder = AtomBuilder()
        builder.atoms.reserveCapacity(publicBytes.count + 4)
        guard builder.appendComponent(epochBytes) else {
            throw VersionError(input: input, reason: .emptyComponent)
        }

        // A trailing underscore stays with the last component (openssl-style `1.0.1_`).
        let trailingUnderscore = publicBytes.last == UInt8(ascii: "_")
        let body = trailingUnderscore ? publicBytes.dropLast() : publicBytes
        var start = body.startIndex
        var index = body.startIndex
        while true {
            let atEnd = index == body.endIndex
            if atEnd || body[index] == UInt8(ascii: ".") || body[index] == UInt8(ascii: "_") {
                var component = Array(body[start..<index])
                if atEnd && trailingUnderscore { component.append(UInt8(ascii: "_")) }
                guard builder.appendComponent(component[...]) else {
                    throw VersionError(input: input, reason: .emptyComponent)
                }
                if atEnd { break }
                start = index + 1
            }
            index += 1
        }

        let localStart = builder.atoms.count
        if let localBytes {
            var start = localBytes.startIndex
            var index = localBytes.startIndex
            while true {
                let atEnd = index == localBytes.endIndex
                if atEnd || localBytes[index] == UInt8(ascii: ".") || localBytes[index] == UInt8(ascii: "_") {
                    guard builder.appendComponent(localBytes[start..<index]) else {
                        throw VersionError(input: input, reason: .emptyComponent)
                    }
                    if atEnd { break }
                    start = index + 1
                }
                index += 1
            }
        }
        return Parsed(description: trimmed, atoms: builder.atoms, localStart: localStart, overflow: builder.overflow)
    }

    /// Collects the atoms of a version, component by component.
    struct AtomBuilder {
        var atoms: [VersionAtom] = []
        var overflow: [String] = []

        /// Splits a component into runs of digits, of stars and of anything else, after a header;
        /// false for an empty component.
        mutating func appendComponent(_ component: ArraySlice<UInt8>) -> Bool {
            guard let first = component.first else { return false }
            let header = atoms.count
            atoms.append(.header(count: 0))
            if !isDigit(first) { atoms.append(.zero) }
            var start = component.startIndex
            while start < component.endIndex {
                let kind = runKind(component[start])
                var end = start + 1
                while end < component.endIndex, runKind(component[end]) == kind { end += 1 }
                let run = component[start..<end]
                atoms.append(kind == 0 ? number(from: run) : text(from: run))
                start = end
            }
            atoms[header] = .header(count: atoms.count - header - 1)
            return true
        }

        private mutating func number(from digits: ArraySlice<UInt8>) -> VersionAtom {
            let significant = digits.drop(while: { $0 == UInt8(ascii: "0") })
            var value: UInt64 = 0
            for digit in significant {
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit &- UInt8(ascii: "0")))
                if overflow1 || overflow2 {
                    overflow.append(String(decoding: significant, as: UTF8.self))
                    return VersionAtom(kind: .bigNumber, length: 0, overflow: UInt32(overflow.count - 1), payload: 0)
                }
                value = sum
            }
            return .number(value)
        }

        private mutating func text(from run: ArraySlice<UInt8>) -> VersionAtom {
            if run.elementsEqual("post".utf8) { return .post }
            let bytes: ArraySlice<UInt8> = run.elementsEqual("dev".utf8) ? Array("DEV".utf8)[...] : run
            var atom = VersionAtom(
                kind: .text,
                length: UInt8(Swift.min(bytes.count, 255)),
                overflow: 0,
                payload: VersionAtom.packed(bytes)
            )
            if bytes.count > 8 {
                overflow.append(String(decoding: bytes, as: UTF8.self))
                atom.overflow = UInt32(overflow.count - 1)
            }
            return atom
        }
    }

    /// 0 for digits, 1 for stars, 2 for everything else.
    @inline(__always)
    static func runKind(_ byte: UInt8) -> Int {
        if isDigit(byte) { return 0 }
        return byte == UInt8(ascii: "*") ? 1 : 2
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
    static func lowercasedBytes(_ text: String) -> [UInt8] {
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
