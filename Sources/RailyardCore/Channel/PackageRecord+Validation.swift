import Foundation

/// What makes a package's metadata unfit for a label: a field the channel's own repodata
/// reader would not take back, or one conda would read differently than Railyard does.
package enum MetadataProblem: Sendable, Equatable, CustomStringConvertible {
    /// A field with a value outside its syntax or range; `message` says which and what to do.
    case invalid(field: String, message: String)
    /// More specs in `depends` or `constrains` than `PackageRecord.maximumSpecs`.
    case tooManySpecs(field: String, count: Int)

    package var description: String {
        switch self {
        case .invalid(_, let message): message
        case .tooManySpecs(let field, let count):
            "'\(field)' lists \(count) specs, more than the \(PackageRecord.maximumSpecs) a package may have:"
                + " rebuild it with fewer (a metapackage can be split)"
        }
    }
}

/// The bounds a record must keep to enter a label:
///
/// | field | rule |
/// |---|---|
/// | `name` | lower-case letters, digits, `_`, `-`, `.`; starts with a letter, digit or `_` |
/// | `version` | a conda version of letters, digits, `.`, `_`, `+`, `!` (no `-`, which splits the file name) |
/// | `build` | non-empty: letters, digits, `.`, `_`, `+` (no `-`) |
/// | `build_number` | `0...maximumBuildNumber` (2,147,483,647, a 32-bit signed integer) |
/// | `subdir` | one of conda's known subdirs (`Subdir.known`) |
/// | `noarch` | absent, `generic` or `python` |
/// | `depends`, `constrains` | at most `maximumSpecs` (5,000) each, every one a valid match spec |
/// | `timestamp` | absent or `0...maximumTimestamp` milliseconds (the end of the year 9999) |
/// | `size`, `md5`, `sha256` | `size >= 0`, 32 and 64 lower-case hex digits |
///
/// Every integer bound stays below 2^53, so a number survives any JSON reader exactly.
extension PackageRecord {
    package static let maximumBuildNumber = 2_147_483_647
    package static let maximumSpecs = 5_000
    package static let maximumTimestamp = 253_402_300_799_999
    package static let noarchKinds: Set<String> = ["generic", "python"]

    /// The first field that breaks the rules above, or nil when the record may enter a label.
    package var metadataProblem: MetadataProblem? {
        if let problem = Self.nameProblem(name) { return .invalid(field: "name", message: problem) }
        if let problem = Self.versionProblem(version) { return .invalid(field: "version", message: problem) }
        if build.isEmpty || !build.utf8.allSatisfy({ Self.isAlphanumeric($0) || "._+".utf8.contains($0) }) {
            return .invalid(
                field: "build",
                message: "build '\(build)' is not a build string (letters, digits, '.', '_', '+'; not empty)")
        }
        if !(0...Self.maximumBuildNumber).contains(buildNumber) {
            return .invalid(
                field: "build_number",
                message:
                    "build_number \(buildNumber) is not in 0...\(Self.maximumBuildNumber): rebuild with a build number in that range"
            )
        }
        if !Subdir.known.contains(subdir) {
            return .invalid(
                field: "subdir",
                message: "subdir '\(subdir)' is not a conda subdir (\(Subdir.known.sorted().joined(separator: ", ")))")
        }
        if let noarch, !Self.noarchKinds.contains(noarch) {
            return .invalid(field: "noarch", message: "noarch '\(noarch)' is neither 'generic' nor 'python'")
        }
        for (field, specs) in [("depends", depends), ("constrains", constrains)] {
            if specs.count > Self.maximumSpecs { return .tooManySpecs(field: field, count: specs.count) }
            for spec in specs {
                do {
                    _ = try MatchSpec(spec)
                } catch {
                    return .invalid(field: field, message: "\(field) '\(spec)': \(error.explanation)")
                }
            }
        }
        if let timestamp, !(0...Self.maximumTimestamp).contains(timestamp) {
            return .invalid(
                field: "timestamp",
                message: "timestamp \(timestamp) is not in 0...\(Self.maximumTimestamp) (milliseconds since 1970)")
        }
        if size < 0 { return .invalid(field: "size", message: "size \(size) is negative") }
        if !Self.isHex(md5, count: 32) { return .invalid(field: "md5", message: "md5 '\(md5)' is not 32 hex digits") }
        if !Self.isHex(sha256, count: 64) {
            return .invalid(field: "sha256", message: "sha256 '\(sha256)' is not 64 hex digits")
        }
        return nil
    }

    static func nameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, Self.isLowerAlphanumeric(first) || first == UInt8(ascii: "_"),
            bytes.allSatisfy({ Self.isLowerAlphanumeric($0) || "_-.".utf8.contains($0) })
        else {
            return "name '\(name)' is not a package name (lower-case letters, digits, '_', '-', '.')"
        }
        return nil
    }

    static func versionProblem(_ version: String) -> String? {
        guard !version.isEmpty, version.utf8.allSatisfy({ Self.isAlphanumeric($0) || "._+!".utf8.contains($0) })
        else {
            return "version '\(version)' is not a package version (letters, digits, '.', '_', '+', '!')"
        }
        do {
            _ = try Version(version)
        } catch {
            return "version '\(version)': \(error.explanation)"
        }
        return nil
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (byte >= 0x41 && byte <= 0x5A)
    }

    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
