import Foundation
import Hummingbird
import NIOCore
import RailyardCore
import RailyardStore

/// The bounds of what the API accepts. Each is named in the error that refuses a value outside
/// it, and each is in the OpenAPI document (`minimum`, `maximum`, `maxLength`, `maxItems`).
enum Limits {
    /// RC numbers: a later RC always has a higher one, so an RC of Int.max would end the train.
    static let rcNumber = Train.rcNumbers
    /// `?wait=` of a long-poll, in seconds.
    static let wait = 0...60
    /// The main generation a promotion expects (`expect_main`).
    static let generation = 0...Int(Int32.max)
    /// A reason (abort, decline, exclude, waive), in characters.
    static let reason = Train.maxReasonLength
    /// A member's, package's or companion's name, a runner's name, an idempotency key.
    static let name = 200
    /// A train's version, in characters.
    static let version = 100
    /// A work item's id (`2.6.0:test:kornia:rc1`).
    static let workID = 400
    /// A CI log (a link, or the tail of the output), in characters.
    static let log = 10_000
    /// How many companions a train may be created with.
    static let companions = 200
    /// A package file's name, in bytes (the longest a file system takes).
    static let fileName = 255
    /// A command's JSON body.
    static let body = 1 << 20
}

/// A route's JSON body, one type per route: decoded strictly, so that a wrong type, a missing
/// field or an unknown one is a 400 naming the field, then checked against `Limits`.
protocol RequestBody: Codable, Sendable {
    /// The fields the body may have, in the JSON's spelling.
    static var fields: [String] { get }
    /// Refuses a value outside its bounds (422, naming the field and the bound).
    func validate() throws(APIError)
}

extension RequestBody {
    func validate() throws(APIError) {}
}

/// `POST /trains`.
struct CreateTrainRequest: RequestBody {
    var version: String
    var companions: [String: String]?
    var staleOK: Bool?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, companions
        case staleOK = "stale_ok"
    }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) {
        try Check.length(version, "version", Limits.version)
        let companions = companions ?? [:]
        guard companions.count <= Limits.companions else {
            throw APIError.tooMany("companions", Limits.companions)
        }
        for (name, value) in companions {
            try Check.length(name, "companions", Limits.name)
            try Check.length(value, "companions.\(name)", Limits.version)
        }
    }
}

/// `POST /trains/{v}/supersede`.
struct SupersedeRequest: RequestBody {
    /// The version of the train created in its place.
    var by: String
    var companions: [String: String]?
    var staleOK: Bool?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case by, companions
        case staleOK = "stale_ok"
    }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) {
        try CreateTrainRequest(version: by, companions: companions, staleOK: staleOK).validate()
    }
}

/// A body with no fields: `advance`, `sweep`, `channel/index`.
struct EmptyRequest: RequestBody {
    static let fields: [String] = []
}

/// `POST /trains/{v}/rc`.
struct RCRequest: RequestBody {
    /// The RC: the core's files at the train's version already on the staging label are its
    /// files (uploaded through `POST …/artifacts?rc=N`).
    var number: Int
    enum CodingKeys: String, CodingKey, CaseIterable { case number }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) { try Check.range(number, "number", Limits.rcNumber) }
}

/// `POST /trains/{v}/final`.
struct FinalRequest: RequestBody {
    var rc: Int
    enum CodingKeys: String, CodingKey, CaseIterable { case rc }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) { try Check.range(rc, "rc", Limits.rcNumber) }
}

/// `abort`, `decline`, `waive`: an optional reason.
struct ReasonRequest: RequestBody {
    var reason: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) { try Check.length(reason ?? "", "reason", Limits.reason) }
}

/// `POST /trains/{v}/members/{name}/exclude`.
struct ExcludeRequest: RequestBody {
    var reason: String?
    var cascade: Bool?
    enum CodingKeys: String, CodingKey, CaseIterable { case reason, cascade }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) { try Check.length(reason ?? "", "reason", Limits.reason) }
}

/// `POST /trains/{v}/members/{name}/ack`: an optional date the build is expected by.
struct AckRequest: RequestBody {
    var eta: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case eta }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) { try Check.length(eta ?? "", "eta", 40) }
}

/// `POST /trains/{v}/promote`: without `yes`, the dry run.
/// `POST /channel/revoke`.
struct RevokeRequest: RequestBody {
    var files: [String]
    var reason: String
    var yes: Bool?
    var force: Bool?
    var expectMain: Int?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case files, reason, yes, force
        case expectMain = "expect_main"
    }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) {
        guard files.count <= Limits.companions else { throw APIError.tooMany("files", Limits.companions) }
        for file in files { try Check.length(file, "files", Limits.fileName + Limits.name) }
        try Check.length(reason, "reason", Limits.reason)
        if let expectMain { try Check.range(expectMain, "expect_main", Limits.generation) }
    }
}

struct PromoteRequest: RequestBody {
    var yes: Bool?
    var expectMain: Int?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case yes
        case expectMain = "expect_main"
    }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) {
        if let expectMain { try Check.range(expectMain, "expect_main", Limits.generation) }
    }
}

/// `POST /work/claim`.
struct ClaimRequest: RequestBody {
    var train: String
    var kind: String?
    var package: String?
    /// Only cells of this subdir; only cells this selector names (`cuda12.1`, `py3.11`).
    var subdir: String?
    var variant: String?
    var leaseSeconds: Int?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case train, kind, package, subdir, variant
        case leaseSeconds = "lease_seconds"
    }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) {
        try Check.length(train, "train", Limits.version)
        if let kind, WorkItem.Kind(rawValue: kind) == nil {
            throw APIError(
                .badRequest, "invalid-body", "'kind' must be one of build, test, integration",
                details: ["field": .string("kind"), "expected": .string("build, test or integration")])
        }
        try Check.length(package ?? "", "package", Limits.name)
        try Check.length(subdir ?? "", "subdir", Limits.name)
        try Check.length(variant ?? "", "variant", Limits.name)
        try Check.range(lease, "lease_seconds", Train.leaseSeconds)
    }

    var workKind: WorkItem.Kind? { kind.flatMap(WorkItem.Kind.init(rawValue:)) }
    var lease: Int { leaseSeconds ?? 1_800 }
}

/// `POST /work/{id}/heartbeat`: the same lease bounds as a claim.
struct HeartbeatRequest: RequestBody {
    var leaseSeconds: Int?
    enum CodingKeys: String, CodingKey, CaseIterable { case leaseSeconds = "lease_seconds" }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) { try Check.range(lease, "lease_seconds", Train.leaseSeconds) }

    var lease: Int { leaseSeconds ?? 1_800 }
}

/// `POST /work/{id}/report`.
struct ReportRequest: RequestBody {
    var result: String
    var log: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case result, log }
    static let fields = CodingKeys.allCases.map(\.rawValue)

    func validate() throws(APIError) {
        guard result == "passed" || result == "failed" else {
            throw APIError(
                .badRequest, "invalid-body", "'result' must be passed or failed",
                details: ["field": .string("result"), "expected": .string("passed or failed")])
        }
        try Check.length(log ?? "", "log", Limits.log)
    }
}

/// The checks every bound goes through, each error naming the field and the bound.
enum Check {
    static func range(_ value: Int, _ field: String, _ bounds: ClosedRange<Int>) throws(APIError) {
        guard bounds.contains(value) else {
            throw APIError(
                .unprocessableContent, "out-of-range",
                "'\(field)' must be \(bounds.lowerBound) to \(bounds.upperBound), not \(value)",
                details: [
                    "field": .string(field), "minimum": .number(bounds.lowerBound),
                    "maximum": .number(bounds.upperBound),
                ])
        }
    }

    static func length(_ text: String, _ field: String, _ limit: Int) throws(APIError) {
        let length = text.unicodeScalars.count
        guard length <= limit else {
            throw APIError(
                .unprocessableContent, "too-long",
                "'\(field)' is at most \(limit) characters, not \(length); shorten it",
                details: ["field": .string(field), "limit": .number(limit)])
        }
    }
}

extension APIError {
    static func tooMany(_ field: String, _ limit: Int) -> APIError {
        APIError(
            .unprocessableContent, "too-many", "'\(field)' has at most \(limit) entries",
            details: ["field": .string(field), "limit": .number(limit)])
    }

    /// A body that does not fit its route's type: 400, naming the field and what it must be.
    static func invalidBody(_ message: String, field: String?, expected: String?) -> APIError {
        var details: [String: JSONValue] = [:]
        if let field { details["field"] = .string(field) }
        if let expected { details["expected"] = .string(expected) }
        return APIError(.badRequest, "invalid-body", message, details: details)
    }
}

/// Reading a request's parts strictly.
enum RequestReader {
    /// The request's body as `Body`: at most `Limits.body`; an empty body is `{}`.
    static func body<Body: RequestBody>(_ request: Request, as type: Body.Type) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Limits.body)
        } catch {
            throw APIError(.contentTooLarge, "too-large", "a command's body is at most \(Limits.body >> 20) MiB")
        }
        return try decode(Data(buffer.readableBytesView), as: type)
    }

    /// `data` as `Body`, or the 400 that names the field and what it must be.
    static func decode<Body: RequestBody>(_ data: Data, as type: Body.Type) throws(APIError) -> Body {
        let text = data.isEmpty ? Data("{}".utf8) : data
        let top: Any
        do {
            top = try JSONSerialization.jsonObject(with: text, options: [.fragmentsAllowed])
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw APIError.invalidBody(
                "the body is not JSON" + (reason.map { ": \($0)" } ?? ""), field: nil, expected: "a JSON object")
        }
        guard let object = top as? [String: Any] else {
            throw APIError.invalidBody("the body must be a JSON object", field: nil, expected: "a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !Body.fields.contains($0) }) {
            let known =
                Body.fields.isEmpty ? "this route takes no fields" : "it takes \(Body.fields.joined(separator: ", "))"
            throw APIError.invalidBody("unknown field '\(unknown)': \(known)", field: unknown, expected: nil)
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: text)
        } catch let error as DecodingError {
            // Foundation on Linux names no field for a number that does not fit an integer.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
                let field = object.keys.sorted().first(where: { isInexactNumber(object[$0]!) })
            {
                throw APIError.invalidBody(
                    "'\(field)' must be an integer from \(Int.min) to \(Int.max)", field: field,
                    expected: "an integer")
            }
            throw describe(error)
        } catch {
            throw APIError.invalidBody("the body cannot be read: \(error)", field: nil, expected: nil)
        }
        try body.validate()
        return body
    }

    /// A JSON number that is not an `Int`: a fraction, or beyond Int's range.
    static func isInexactNumber(_ value: Any) -> Bool {
        value is NSNumber && !(value is Bool) && (value as? Int) == nil
    }

    /// A decoding error as the field it is about and what that field must be.
    static func describe(_ error: DecodingError) -> APIError {
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            let expected = expectation(type)
            return APIError.invalidBody("'\(field)' must be \(expected)", field: field, expected: expected)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            let expected = expectation(type)
            return APIError.invalidBody("'\(field)' must be \(expected), not null", field: field, expected: expected)
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return APIError.invalidBody("'\(field)' is required", field: field, expected: nil)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return APIError.invalidBody("the body is not JSON", field: nil, expected: nil) }
            return APIError.invalidBody(
                "'\(field)' cannot be read: \(context.debugDescription)", field: field, expected: nil)
        @unknown default:
            return APIError.invalidBody("the body cannot be read", field: nil, expected: nil)
        }
    }

    /// `companions.torchvision`, `subdirs[0]`.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    static func expectation(_ type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type == Int.self { return "an integer" }
        if type == Bool.self { return "true or false" }
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return name
    }

    /// A path parameter, percent-decoded: 400 when it is not valid percent-encoding, 422 beyond
    /// `limit` characters.
    static func parameter(_ context: RailyardContext, _ name: String, limit: Int) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError(
                .badRequest, "invalid-path", "the path's {\(name)} is not valid percent-encoding: \(raw)",
                details: ["field": .string(name)])
        }
        try Check.length(decoded, name, limit)
        return decoded
    }

    /// An integer query parameter: nil when absent, 400 when not an integer, 422 outside `bounds`.
    static func integer(_ request: Request, _ name: String, _ bounds: ClosedRange<Int>) throws -> Int? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text) else {
            throw APIError(
                .badRequest, "invalid-query",
                "?\(name)= must be an integer from \(bounds.lowerBound) to \(bounds.upperBound), not '\(text.prefix(40))'",
                details: ["field": .string(name), "expected": .string("an integer")])
        }
        try Check.range(value, name, bounds)
        return value
    }

}

extension RequestReader {
    /// The request's `Idempotency-Key`, checked: one header of 1 to `IdempotencyKey.maxLength`
    /// characters.
    static func idempotencyKey(_ request: Request) throws -> String? {
        let values = request.headers[values: HTTPFields.Element.Name("Idempotency-Key")!]
        guard let key = values.first else { return nil }
        guard values.count == 1, !key.isEmpty else {
            throw APIError(
                .badRequest, "invalid-idempotency-key",
                "send one Idempotency-Key header, of 1 to \(Limits.name) characters",
                details: ["field": .string("Idempotency-Key")])
        }
        try Check.length(key, "Idempotency-Key", IdempotencyKey.maxLength)
        return key
    }
}
