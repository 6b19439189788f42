import Foundation
import RailyardCore

/// The one JSON spelling of every response: the CLI's `--json` and the API's bodies. Keys are
/// sorted, dates are ISO 8601 in UTC to the second, and an absent optional field is `null`.
package enum Wire {
    /// The version of the JSON contract every response carries as `"schema"`.
    package static let schema = 1

    package static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Every response type is made of strings, numbers, dates and arrays of them: encoding
        // cannot fail.
        return Array(try! encoder.encode(value))
    }

    package static func decode<Value: Decodable>(_ type: Value.Type, from bytes: some Collection<UInt8>) throws
        -> Value
    {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(bytes))
    }

    /// `date` to the whole second, as the wire carries it: an answer computed here reads the
    /// same as one that crossed the network.
    package static func second(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}

/// An optional field written as `null` when absent, rather than left out, so that every
/// documented field is always there for `jq`.
@propertyWrapper
package struct Null<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    package var wrappedValue: Value?

    package init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A `Null` field may also be missing.
    package func decode<Value>(_ type: Null<Value>.Type, forKey key: Key) throws -> Null<Value> {
        try decodeIfPresent(type, forKey: key) ?? Null(wrappedValue: nil)
    }
}
