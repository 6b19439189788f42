import RailyardCore

/// A small JSON value with a deterministic encoder (keys sorted), for `--json` output.
enum JSONValue: Equatable {
    case string(String)
    case number(Int)
    case bool(Bool)
    case array([JSONValue])
    case object(JSONObject)
    case null

    /// The compact JSON text of this value.
    var encoded: String {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func encode(into bytes: inout [UInt8]) {
        switch self {
        case .string(let value): Self.encodeString(value, into: &bytes)
        case .number(let value): bytes.append(contentsOf: String(value).utf8)
        case .bool(let value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .null: bytes.append(contentsOf: "null".utf8)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                value.encode(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in object.members.sorted(by: { $0.0 < $1.0 }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.encodeString(member.0, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                member.1.encode(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    static func encodeString(_ value: String, into bytes: inout [UInt8]) {
        JSONString.append(value, to: &bytes)
    }
}

/// The members of a JSON object, written with dictionary-literal syntax; encoded with sorted keys.
struct JSONObject: ExpressibleByDictionaryLiteral, Equatable {
    private(set) var members: [(String, JSONValue)]

    init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements
    }

    init(_ dictionary: [String: JSONValue]) {
        members = dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    var isEmpty: Bool { members.isEmpty }

    subscript(key: String) -> JSONValue? {
        get { members.first { $0.0 == key }?.1 }
        set {
            members.removeAll { $0.0 == key }
            if let newValue { members.append((key, newValue)) }
        }
    }

    static func == (left: JSONObject, right: JSONObject) -> Bool {
        left.members.count == right.members.count
            && zip(left.members.sorted { $0.0 < $1.0 }, right.members.sorted { $0.0 < $1.0 }).allSatisfy {
                $0.0 == $1.0 && $0.1 == $1.1
            }
    }
}
