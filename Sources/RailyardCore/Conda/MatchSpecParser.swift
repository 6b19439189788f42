/// Parses match specs following conda's `_parse_spec_str`: comment, `[key=value]` brackets,
/// `channel::` prefix, name, then the version and build split as conda's `_VERSION_BUILD_RE` does.
enum MatchSpecParser {
    /// The longest match spec read, in bytes: real ones stay under a few hundred.
    static let maximumLength = 8_192

    static func parse(_ input: String) throws(MatchSpecError) -> MatchSpec {
        guard input.utf8.count <= maximumLength else {
            throw MatchSpecError(input: String(input.prefix(64)) + "…", reason: .tooLong(limit: maximumLength))
        }
        var text = Substring(input)
        if let hash = text.utf8.firstIndex(of: UInt8(ascii: "#")) { text = text[..<hash] }
        text = Substring(VersionParser.trimmingWhiteSpace(String(text)))
        let description = String(text)
        if text.isEmpty { throw MatchSpecError(input: input, reason: .empty) }

        // Brackets: `name[version='>=1.0', build=py*]`.
        var brackets: [String: String] = [:]
        if let open = text.utf8.firstIndex(of: UInt8(ascii: "[")) {
            guard text.last == "]" else { throw MatchSpecError(input: input, reason: .unterminatedBrackets) }
            let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
            if inside.contains("[") || inside.contains("]") {
                throw MatchSpecError(input: input, reason: .multipleBrackets)
            }
            brackets = try keyValues(inside, input: input)
            text = text[..<open]
        } else if text.utf8.contains(UInt8(ascii: "]")) {
            throw MatchSpecError(input: input, reason: .malformedBrackets("]"))
        }

        // Channel and subdir: `conda-forge::name`, `conda-forge/linux-64::name`.
        var channel: String? = nil
        var subdir: String? = nil
        if text.utf8.contains(UInt8(ascii: ":")), let separator = lastDoubleColon(in: text) {
            let prefix = String(text[..<separator])
            text = text[text.index(separator, offsetBy: 2)...]
            if let slash = prefix.lastIndex(of: "/"),
                Subdir.known.contains(String(prefix[prefix.index(after: slash)...]))
            {
                channel = String(prefix[..<slash])
                subdir = String(prefix[prefix.index(after: slash)...])
            } else if !prefix.isEmpty {
                channel = prefix
            }
        }
        if let value = brackets.removeValue(forKey: "channel") { channel = value }
        if let value = brackets.removeValue(forKey: "subdir") { subdir = value }

        // Name: everything up to the first space or operator character.
        let nameEnd =
            text.utf8.firstIndex(where: {
                $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "<")
                    || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "!") || $0 == UInt8(ascii: "~")
            }) ?? text.endIndex
        let name = String(text[..<nameEnd])
        if name.isEmpty { throw MatchSpecError(input: input, reason: .missingName) }
        if !name.utf8.contains(UInt8(ascii: "*")) && !isPackageName(name) && !isPackageName(name.lowercased()) {
            throw MatchSpecError(input: input, reason: .invalidName(name))
        }
        // conda matches names lower-cased (its GlobLowerStrMatch): `NumPy` is `numpy`.
        let nameMatcher: StringMatcher
        do {
            nameMatcher = try StringMatcher(name.lowercased())
        } catch {
            throw MatchSpecError(input: input, reason: .invalidRegex(field: "name", error))
        }

        // Version and build.
        var versionText: String? = nil
        var buildText: String? = nil
        let rest = VersionParser.trimmingWhiteSpace(String(text[nameEnd...]))
        if !rest.isEmpty {
            let (version, build) = splitVersionAndBuild(rest)
            buildText = build
            versionText = sanitize(version, build: build)
        }
        if let value = brackets.removeValue(forKey: "build") { buildText = value }
        if let value = brackets.removeValue(forKey: "version") {
            versionText = sanitize(value, build: buildText)
        }
        var buildNumber: Int? = nil
        if let value = brackets.removeValue(forKey: "build_number") {
            guard let number = Int(value), number >= 0 else {
                throw MatchSpecError(input: input, reason: .invalidBuildNumber(value))
            }
            buildNumber = number
        }
        if let key = brackets.keys.sorted().first {
            throw MatchSpecError(input: input, reason: .unsupportedKey(key))
        }

        var versionSpec: VersionSpec? = nil
        if let versionText {
            do {
                versionSpec = try VersionSpec(versionText)
            } catch {
                throw MatchSpecError(input: input, reason: .invalidVersionSpec(error))
            }
        }
        var buildMatcher: StringMatcher? = nil
        if let buildText {
            do {
                buildMatcher = try StringMatcher(buildText)
            } catch {
                throw MatchSpecError(input: input, reason: .invalidRegex(field: "build", error))
            }
        }
        return MatchSpec(
            description: description,
            name: nameMatcher,
            channel: channel,
            subdir: subdir,
            version: versionSpec,
            build: buildMatcher,
            buildNumber: buildNumber
        )
    }

    /// conda's `_VERSION_BUILD_RE`: the build is the longest tail after a space or `=` that is
    /// not preceded by an operator and holds none of `- = , | < > ~`; spaces leave the version.
    static func splitVersionAndBuild(_ text: String) -> (version: String, build: String?) {
        let bytes = Array(text.utf8)
        func isOperator(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ","), UInt8(ascii: "<"),
                UInt8(ascii: ">"), UInt8(ascii: "~"):
                true
            default: false
            }
        }
        func isForbiddenInBuild(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "-") || (byte != UInt8(ascii: "!") && isOperator(byte))
        }
        // The build may start after position `index` only if nothing after it is forbidden:
        // find where the forbidden-free tail begins.
        var tailStart = bytes.count
        while tailStart > 0, !isForbiddenInBuild(bytes[tailStart - 1]) { tailStart -= 1 }
        var split: Int? = nil
        if bytes.count >= 3 {
            for index in Swift.max(1, tailStart - 1)..<(bytes.count - 1)
            where (bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "="))
                && !isOperator(bytes[index - 1]) && index + 1 >= tailStart
            {
                split = index
                break
            }
        }
        func withoutSpaces(_ slice: ArraySlice<UInt8>) -> String {
            String(decoding: slice.filter { $0 != UInt8(ascii: " ") }, as: UTF8.self)
        }
        guard let split else { return (withoutSpaces(bytes[...]), nil) }
        let build = VersionParser.trimmingWhiteSpace(String(decoding: bytes[(split + 1)...], as: UTF8.self))
        return (withoutSpaces(bytes[..<split]), build)
    }

    private static func lastDoubleColon(in text: Substring) -> Substring.Index? {
        var found: Substring.Index? = nil
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == ":", next < text.endIndex, text[next] == ":" { found = index }
            index = next
        }
        return found
    }

    /// conda's `_sanitize_version_str`: `=1.2` means `1.2*`, `==1.2` means exactly 1.2.
    static func sanitize(_ version: String, build: String?) -> String {
        if version == "==" || version == "=" || !version.hasPrefix("=") { return version }
        let withoutEquals = String(version.drop(while: { $0 == "=" }))
        if version.hasPrefix("==") && build == nil { return withoutEquals }
        if !withoutEquals.contains(where: { "=,|".contains($0) }) {
            if build == nil && !withoutEquals.hasSuffix("*") { return withoutEquals + "*" }
            return withoutEquals
        }
        return version
    }

    /// `key=value` pairs separated by commas or spaces; values may be quoted with ' or ".
    private static func keyValues(_ text: Substring, input: String) throws(MatchSpecError) -> [String: String] {
        var result: [String: String] = [:]
        var rest = text[...]
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "," })
            if rest.isEmpty { break }
            let keyEnd =
                rest.firstIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) ?? rest.endIndex
            let key = String(rest[..<keyEnd])
            var afterKey = rest[keyEnd...].drop(while: { $0 == " " })
            guard !key.isEmpty, afterKey.first == "=" else {
                throw MatchSpecError(input: input, reason: .malformedBrackets(String(rest)))
            }
            afterKey = afterKey.dropFirst().drop(while: { $0 == " " })
            let value: String
            if let quote = afterKey.first, quote == "'" || quote == "\"" {
                let body = afterKey.dropFirst()
                guard let close = body.firstIndex(of: quote) else {
                    throw MatchSpecError(input: input, reason: .malformedBrackets(String(rest)))
                }
                value = String(body[..<close])
                rest = body[body.index(after: close)...]
            } else {
                let end = afterKey.firstIndex(where: { $0 == "," || $0 == " " }) ?? afterKey.endIndex
                value = String(afterKey[..<end])
                rest = afterKey[end...]
            }
            guard !value.isEmpty else {
                throw MatchSpecError(input: input, reason: .malformedBrackets(String(text)))
            }
            result[key] = value
        }
        return result
    }

    /// CEP-26 package names: lower-case letters and digits, single `.`, `_` or `-` between
    /// them; virtual packages start with `__`.
    static func isPackageName(_ name: String) -> Bool {
        var bytes = Substring(name).utf8[...]
        if bytes.starts(with: "__".utf8) { bytes = bytes.dropFirst(2) }
        guard let first = bytes.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-") else { return false }
        var previousWasSeparator = false
        for byte in bytes {
            let isSeparator = byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            let isAlphanumeric =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            guard isSeparator || isAlphanumeric else { return false }
            if isSeparator && previousWasSeparator { return false }
            previousWasSeparator = isSeparator
        }
        return true
    }
}
