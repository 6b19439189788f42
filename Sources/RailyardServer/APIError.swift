import Foundation
import Hummingbird
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
        var response = JSONValue.object(["error": .object(error)]).response(status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"railyard\"" }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad-request", message) }

    /// The API's answer to an error from the store, the channel or the rules.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as StoreError:
            switch error {
            case .rejected(let rejection):
                var details: [String: JSONValue] = [:]
                if case .gateNotMet(_, let failing) = rejection {
                    details["failing"] = .array(
                        failing.map { .object(["name": .string($0.name), "detail": .string($0.detail)]) })
                }
                let status: HTTPResponse.Status =
                    switch rejection {
                    case .notAllowed: .forbidden
                    case .unknownMember: .notFound
                    case .invalidSpec, .invalidRCNumber, .missingReason, .reasonTooLong: .unprocessableContent
                    default: .conflict
                    }
                return APIError(status, rejection.code, rejection.description, details: details)
            case .unknownTrain, .unknownWork, .unknownToken, .unknownDelivery:
                return APIError(.notFound, error.code, error.description)
            case .staleRevision, .trainExists, .notYourClaim, .tokenExists:
                return APIError(.conflict, error.code, error.description)
            case .idempotencyConflict, .invalidLease:
                return APIError(.unprocessableContent, error.code, error.description)
            case .invalidIdempotencyKey:
                return APIError(.badRequest, error.code, error.description)
            case .busy, .databaseMoved:
                return APIError(.serviceUnavailable, error.code, error.description)
            case .missingDatabase, .orphanedLog, .cannotOpen, .newerSchema, .backupExists, .database:
                return APIError(.internalServerError, error.code, error.description)
            }
        case let error as ChannelError:
            var details: [String: JSONValue] = [:]
            if case .promotionRefused(let failing) = error { details["failing"] = .array(failing.map { .string($0) }) }
            if case .io = error { return APIError(.internalServerError, error.code, error.description) }
            return APIError(
                error.isRefusalByRule ? .conflict : .unprocessableContent, error.code, error.description,
                details: details)
        case let error as PackageError:
            return APIError(.unprocessableContent, error.code, error.description)
        case let error as AnacondaError:
            return APIError(.conflict, error.code, error.description)
        default:
            return APIError(.internalServerError, "internal", "the server failed: \(error)")
        }
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
