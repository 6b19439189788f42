import Foundation

/// Encodes `Encodable` values straight into compact JSON bytes, for the rows every command
/// writes. Foundation's `JSONEncoder` builds a tree of values first; this writes as it goes.
/// The output decodes with `JSONDecoder` to an equal value (dates as Foundation encodes them by
/// default: seconds since 2001 as a number).
enum CompactJSONEncoder {
    static func encode(_ value: some Encodable) throws -> String {
        let writer = Writer()
        try writer.encodeValue(value)
        writer.closeAll(above: 0)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The output and the containers open in it, innermost last.
    final class Writer {
        var bytes: [UInt8] = []
        /// For each open container: whether it is an object, and how many entries it has.
        var open: [(isObject: Bool, count: Int)] = []

        init() {
            bytes.reserveCapacity(512)
        }

        /// Closes every container deeper than `depth`.
        func closeAll(above depth: Int) {
            while open.count > depth {
                bytes.append(open.removeLast().isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
            }
        }

        /// Opens a container at `depth` (closing anything deeper first).
        func openContainer(isObject: Bool) -> Int {
            bytes.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
            open.append((isObject, 0))
            return open.count
        }

        /// Starts the next entry of the container at `depth`: closes deeper ones, writes a comma.
        func beginEntry(at depth: Int) {
            closeAll(above: depth)
            if open[depth - 1].count > 0 { bytes.append(UInt8(ascii: ",")) }
            open[depth - 1].count += 1
        }

        func writeKey(_ key: String, at depth: Int) {
            beginEntry(at: depth)
            writeString(key)
            bytes.append(UInt8(ascii: ":"))
        }

        func writeString(_ value: String) {
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    let hex = String(byte, radix: 16)
                    bytes.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }

        func writeRaw(_ text: String) {
            bytes.append(contentsOf: text.utf8)
        }

        func writeDouble(_ value: Double) throws {
            guard value.isFinite else {
                throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "not a finite number"))
            }
            if value == value.rounded(), abs(value) < 1e15 {
                writeRaw(String(Int64(value)))
            } else {
                writeRaw("\(value)")
            }
        }

        /// Writes any value: primitives directly, others through their `encode(to:)`.
        func encodeValue(_ value: some Encodable) throws {
            switch value {
            case let date as Date: try writeDouble(date.timeIntervalSinceReferenceDate)
            case let text as String: writeString(text)
            case let flag as Bool: writeRaw(flag ? "true" : "false")
            case let number as Int: writeRaw(String(number))
            case let number as any BinaryInteger: writeRaw("\(number)")
            case let number as Double: try writeDouble(number)
            case let number as Float: try writeDouble(Double(number))
            default:
                let depth = open.count
                try value.encode(to: ValueEncoder(writer: self))
                closeAll(above: depth)
            }
        }
    }

    struct ValueEncoder: Encoder {
        let writer: Writer
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(KeyedContainer<Key>(writer: writer, depth: writer.openContainer(isObject: true)))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            UnkeyedContainer(writer: writer, depth: writer.openContainer(isObject: false))
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            SingleValueContainer(writer: writer)
        }
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let writer: Writer
        let depth: Int
        var codingPath: [any CodingKey] = []

        mutating func encodeNil(forKey key: Key) throws {
            writer.writeKey(key.stringValue, at: depth)
            writer.writeRaw("null")
        }

        mutating func encode(_ value: some Encodable, forKey key: Key) throws {
            writer.writeKey(key.stringValue, at: depth)
            try writer.encodeValue(value)
        }

        // The primitives the synthesized code calls by their static type: written directly,
        // without the dynamic casts of the generic path.
        mutating func encode(_ value: String, forKey key: Key) throws {
            writer.writeKey(key.stringValue, at: depth)
            writer.writeString(value)
        }

        mutating func encode(_ value: Bool, forKey key: Key) throws {
            writer.writeKey(key.stringValue, at: depth)
            writer.writeRaw(value ? "true" : "false")
        }

        mutating func encode(_ value: Int, forKey key: Key) throws {
            writer.writeKey(key.stringValue, at: depth)
            writer.writeRaw(String(value))
        }

        mutating func encode(_ value: Int64, forKey key: Key) throws {
            writer.writeKey(key.stringValue, at: depth)
            writer.writeRaw(String(value))
        }

        mutating func encode(_ value: Double, forKey key: Key) throws {
            writer.writeKey(key.stringValue, at: depth)
            try writer.writeDouble(value)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            writer.writeKey(key.stringValue, at: depth)
            return KeyedEncodingContainer(
                KeyedContainer<NestedKey>(writer: writer, depth: writer.openContainer(isObject: true))
            )
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            writer.writeKey(key.stringValue, at: depth)
            return UnkeyedContainer(writer: writer, depth: writer.openContainer(isObject: false))
        }

        mutating func superEncoder() -> any Encoder {
            writer.writeKey("super", at: depth)
            return ValueEncoder(writer: writer)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            writer.writeKey(key.stringValue, at: depth)
            return ValueEncoder(writer: writer)
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let writer: Writer
        let depth: Int
        var codingPath: [any CodingKey] = []
        var count = 0

        mutating func encodeNil() throws {
            writer.beginEntry(at: depth)
            writer.writeRaw("null")
            count += 1
        }

        mutating func encode(_ value: some Encodable) throws {
            writer.beginEntry(at: depth)
            try writer.encodeValue(value)
            count += 1
        }

        mutating func encode(_ value: String) throws {
            writer.beginEntry(at: depth)
            writer.writeString(value)
            count += 1
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            writer.beginEntry(at: depth)
            count += 1
            return KeyedEncodingContainer(
                KeyedContainer<NestedKey>(writer: writer, depth: writer.openContainer(isObject: true))
            )
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            writer.beginEntry(at: depth)
            count += 1
            return UnkeyedContainer(writer: writer, depth: writer.openContainer(isObject: false))
        }

        mutating func superEncoder() -> any Encoder {
            writer.beginEntry(at: depth)
            count += 1
            return ValueEncoder(writer: writer)
        }
    }

    struct SingleValueContainer: SingleValueEncodingContainer {
        let writer: Writer
        var codingPath: [any CodingKey] = []

        mutating func encodeNil() throws { writer.writeRaw("null") }
        mutating func encode(_ value: some Encodable) throws { try writer.encodeValue(value) }
        mutating func encode(_ value: String) throws { writer.writeString(value) }
        mutating func encode(_ value: Bool) throws { writer.writeRaw(value ? "true" : "false") }
        mutating func encode(_ value: Int) throws { writer.writeRaw(String(value)) }
        mutating func encode(_ value: Int64) throws { writer.writeRaw(String(value)) }
        mutating func encode(_ value: Double) throws { try writer.writeDouble(value) }
    }
}
