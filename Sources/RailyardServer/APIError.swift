import Foundation
import Hummingbird
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// An error as the API answers it: `{"error": {"code", "message", "details"}}` with a status
/// that says whose fault it is. Never a 500 for a user's mistake.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var details: [String: JSONValue]
    var retryAfter: Int?

    init(
        _ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: JSONValue] = [:],
        retryAfter: Int? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retryAfter = retryAfter
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if !details.isEmpty { error["details"] = .object(details) }
        var response = JSONValue.object(["schema": .number(Wire.schema), "error": .object(error)])
            .response(status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"railyard\"" }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad-request", message) }

    /// The API's answer to an error from the store, the channel or the rules: the status of
    /// its category, decided once in the application layer.
    static func from(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        let failure = ServiceError(error)
        return APIError(
            HTTPResponse.Status(code: failure.category.httpStatus), failure.code, failure.message,
            details: failure.details)
    }
}

/// Response types are the API's bodies, in the one JSON spelling of ``Wire``.
extension Encodable {
    func response(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(
            status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: Wire.encode(self) + [0x0A])))
    }
}

/// API bodies are the core's JSON values.
extension JSONValue {
    func response(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes + [0x0A])))
    }
}
