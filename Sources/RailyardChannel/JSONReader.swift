import Foundation
import RailyardCore

/// A JSON value as the channel reads it.
indirect enum JSON: Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSON])
    case object([String: JSON])

    var string: String? { if case .string(let value) = self { value } else { nil } }
    /// The number when it is a whole number within `Int`'s range; nil otherwise (never a trap).
    var int: Int? { if case .number(let value) = self { Int(exactly: value) } else { nil } }
    var object: [String: JSON]? { if case .object(let value) = self { value } else { nil } }
    /// How many arrays and objects deep the value is (0 for a string, a number…).
    var nesting: Int {
        switch self {
        case .array(let values): 1 + (values.map(\.nesting).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.nesting).max() ?? 0)
        case .string, .number, .bool, .null: 0
        }
    }

    /// The value as Railyard writes JSON: whole numbers within 64 bits as numbers, others as reals.
    var value: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .number(let number): Int(exactly: number).map(JSONValue.number) ?? .real(number)
        case .bool(let flag): .bool(flag)
        case .null: .null
        case .array(let values): .array(values.map(\.value))
        case .object(let members): .object(members.mapValues(\.value))
        }
    }
    var strings: [String]? {
        guard case .array(let values) = self else { return nil }
        var result: [String] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let text = value.string else { return nil }
            result.append(text)
        }
        return result
    }
}

/// A strict JSON reader over bytes (RFC 8259), for repodata: Foundation's JSONSerialization
/// takes about a second for the 50,000 records of a large `main`; this takes a tenth of that.
struct JSONReader {
    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var message: String
        var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    static func parse(_ data: Data) throws(Failure) -> JSON {
        let result: Result<JSON, Failure> = data.withUnsafeBytes { raw in
            var reader = JSONReader(bytes: raw.bindMemory(to: UInt8.self))
            return Result { () throws(Failure) -> JSON in
                let value = try reader.value(depth: 0)
                reader.skipSpace()
                guard reader.offset == reader.bytes.count else { throw reader.fail("trailing characters") }
                return value
            }
        }
        return try result.get()
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    func fail(_ message: String) -> Failure { Failure(offset: offset, message: message) }

    mutating func skipSpace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    /// Arrays and objects inside one another, at most: repodata and index.json need 4; the bound
    /// keeps the recursive reader (and the value's release) far from the end of the stack.
    static let maximumDepth = 64

    mutating func value(depth: Int) throws(Failure) -> JSON {
        guard depth < Self.maximumDepth else {
            throw fail("arrays and objects nested deeper than \(Self.maximumDepth) levels (json-too-deep)")
        }
        skipSpace()
        guard offset < bytes.count else { throw fail("unexpected end") }
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            var object: [String: JSON] = [:]
            try members { (reader, key) throws(Failure) in object[key] = try reader.value(depth: depth + 1) }
            return .object(object)
        case UInt8(ascii: "["):
            offset += 1
            var array: [JSON] = []
            skipSpace()
            if offset < bytes.count && bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .array(array)
            }
            while true {
                array.append(try value(depth: depth + 1))
                skipSpace()
                guard offset < bytes.count else { throw fail("unexpected end") }
                if bytes[offset] == UInt8(ascii: ",") {
                    offset += 1
                } else if bytes[offset] == UInt8(ascii: "]") {
                    offset += 1
                    return .array(array)
                } else {
                    throw fail("expected ',' or ']'")
                }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default:
            return .number(try number())
        }
    }

    mutating func literal(_ word: StaticString, _ value: JSON) throws(Failure) -> JSON {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count else { throw fail("unexpected end") }
        for index in 0..<count where bytes[offset + index] != word.utf8Start[index] {
            throw fail("unexpected character")
        }
        offset += count
        return value
    }

    mutating func number() throws(Failure) -> Double {
        let start = offset
        if offset < bytes.count && bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        var digits = 0
        var integer = 0
        var simple = true
        while offset < bytes.count, bytes[offset] >= 0x30, bytes[offset] <= 0x39 {
            if digits < 18 { integer = integer * 10 + Int(bytes[offset] - 0x30) } else { simple = false }
            digits += 1
            offset += 1
        }
        guard digits > 0 else { throw fail("unexpected character") }
        while offset < bytes.count {
            let byte = bytes[offset]
            guard
                (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                    || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            else { break }
            simple = false
            offset += 1
        }
        if simple { return Double(bytes[start] == UInt8(ascii: "-") ? -integer : integer) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let value = Double(text) else { throw Failure(offset: start, message: "invalid number") }
        return value
    }

    mutating func string() throws(Failure) -> String {
        offset += 1  // the opening quote
        let start = offset
        // The common case: no escapes.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail("control character in a string") }
            offset += 1
        }
        var buffer = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                offset += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            guard byte >= 0x20 else { throw fail("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                buffer.append(byte)
                offset += 1
                continue
            }
            offset += 1
            guard offset < bytes.count else { break }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                        bytes[offset + 1] == UInt8(ascii: "u")
                    else { throw fail("unpaired surrogate") }
                    offset += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
                buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(Failure) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw fail("unexpected end") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw fail("invalid escape")
            }
            value = value * 16 + digit
            offset += 1
        }
        return value
    }

    // MARK: Repodata, read directly

    /// Reads a repodata.json straight into records, keeping each record's JSON bytes so that
    /// writing main again copies unchanged records instead of encoding them.
    static func repodata(_ data: Data) throws(Failure) -> (
        subdir: String?, records: [String: PackageRecord], verbatim: [String: ArraySlice<UInt8>]
    ) {
        let bytes = [UInt8](data)
        let result: Result<(String?, [String: PackageRecord], [String: ArraySlice<UInt8>]), Failure> =
            bytes.withUnsafeBufferPointer { buffer in
                var reader = JSONReader(bytes: buffer)
                return Result { () throws(Failure) in
                    var subdir: String? = nil
                    var records: [String: PackageRecord] = [:]
                    var verbatim: [String: ArraySlice<UInt8>] = [:]
                    try reader.members { (reader, key) throws(Failure) in
                        switch key {
                        case "info":
                            if case .object(let info) = try reader.value(depth: 1) { subdir = info["subdir"]?.string }
                        case "packages", "packages.conda":
                            try reader.members { (reader, fileName) throws(Failure) in
                                let start = reader.offset
                                records[fileName] = try reader.record(fileName)
                                verbatim[fileName] = bytes[start..<reader.offset]
                            }
                        default:
                            _ = try reader.value(depth: 1)
                        }
                    }
                    reader.skipSpace()
                    guard reader.offset == reader.bytes.count else { throw reader.fail("trailing characters") }
                    return (subdir, records, verbatim)
                }
            }
        return try result.get()
    }

    /// Calls `body` for each member of the object at the reading position, with the reader at
    /// the member's value.
    mutating func members(_ body: (inout JSONReader, String) throws(Failure) -> Void) throws(Failure) {
        skipSpace()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "{") else { throw fail("expected an object") }
        offset += 1
        skipSpace()
        if offset < bytes.count && bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            return
        }
        while true {
            skipSpace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try string()
            skipSpace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            offset += 1
            skipSpace()
            try body(&self, key)
            skipSpace()
            guard offset < bytes.count else { throw fail("unexpected end") }
            if bytes[offset] == UInt8(ascii: ",") {
                offset += 1
            } else if bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    /// One repodata record, field by field.
    mutating func record(_ fileName: String) throws(Failure) -> PackageRecord {
        var record = PackageRecord(
            fileName: fileName, name: "", version: "", build: "", buildNumber: -1, depends: [], constrains: [],
            subdir: "", noarch: nil, license: nil, timestamp: nil, size: -1, md5: "", sha256: "")
        let start = offset
        var extra: [String: JSONValue] = [:]
        try members { (reader, key) throws(Failure) in
            func text() throws(Failure) -> String {
                guard reader.offset < reader.bytes.count, reader.bytes[reader.offset] == UInt8(ascii: "\"") else {
                    throw reader.fail("\(fileName): '\(key)' must be a string")
                }
                return try reader.string()
            }
            func list() throws(Failure) -> [String] {
                guard let values = try reader.value(depth: 2).strings else {
                    throw reader.fail("\(fileName): '\(key)' must be a list of strings")
                }
                return values
            }
            func integer() throws(Failure) -> Int {
                let value = try reader.number()
                guard let integer = Int(exactly: value) else {
                    throw reader.fail("\(fileName): '\(key)' must be a whole number within 64 bits")
                }
                return integer
            }
            switch key {
            case "name": record.name = try text()
            case "version": record.version = try text()
            case "build": record.build = try text()
            case "build_number": record.buildNumber = try integer()
            case "depends": record.depends = try list()
            case "constrains": record.constrains = try list()
            case "subdir": record.subdir = try text()
            case "md5": record.md5 = try text()
            case "sha256": record.sha256 = try text()
            case "size": record.size = try integer()
            case "timestamp": record.timestamp = try integer()
            case "license": record.license = try reader.value(depth: 2).string
            case "license_family": record.licenseFamily = try reader.value(depth: 2).string
            case "features": record.features = try reader.value(depth: 2).string
            case "track_features": record.trackFeatures = try reader.value(depth: 2).string
            case "noarch":
                switch try reader.value(depth: 2) {
                case .string(let kind): record.noarch = kind
                case .bool(true): record.noarch = "generic"
                default: record.noarch = nil
                }
            default: extra[key] = try reader.value(depth: 2).value
            }
        }
        if !extra.isEmpty { record.extra = extra }
        for (field, missing) in [
            ("name", record.name.isEmpty), ("version", record.version.isEmpty), ("build", false),
            ("build_number", record.buildNumber < 0), ("subdir", record.subdir.isEmpty), ("size", record.size < 0),
            ("sha256", record.sha256.isEmpty),
        ] where missing {
            throw Failure(offset: start, message: "\(fileName): '\(field)' is missing")
        }
        return record
    }
}
