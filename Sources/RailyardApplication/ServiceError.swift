import RailyardCore

/// Why a use case did not happen, the same wherever it ran: a machine-readable `code`, a
/// sentence that says what to do next, and whose fault it is (`category`), from which the HTTP
/// status and the CLI's exit code both follow.
package struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whose fault, and so which HTTP status and which exit code.
    package enum Category: String, Sendable, CaseIterable {
        /// A value that cannot be used (a version, a spec, a field out of bounds): 422, exit 2.
        case invalid
        /// A request that cannot be read (its JSON, a header): 400, exit 2.
        case malformed
        /// No such train, member, claim: 404, exit 2.
        case notFound
        /// No valid token: 401, exit 2.
        case unauthenticated
        /// The caller's role or packages do not allow it: 403, exit 1.
        case forbidden
        /// A rule of the train refused it, or the train changed first: 409, exit 1.
        case refused
        /// An idempotency key reused for another request: 422, exit 1.
        case keyReused
        /// Too many bad tokens from one address: 429, exit 1.
        case throttled
        /// The database is busy or was moved: 503, exit 2.
        case unavailable
        /// The server cannot be reached: exit 2 (the CLI's alone).
        case unreachable
        /// Railyard itself failed: 500, exit 2.
        case failed

        /// The status the API answers with.
        package var httpStatus: Int {
            switch self {
            case .invalid, .keyReused: 422
            case .malformed: 400
            case .notFound: 404
            case .unauthenticated: 401
            case .forbidden: 403
            case .refused: 409
            case .throttled: 429
            case .unavailable: 503
            case .unreachable: 502
            case .failed: 500
            }
        }

        /// The CLI's exit code: 1 when a rule or a role said no, 2 when the input or the
        /// surroundings were wrong.
        package var exitCode: Int32 {
            switch self {
            case .forbidden, .refused, .keyReused, .throttled: 1
            case .invalid, .malformed, .notFound, .unauthenticated, .unavailable, .unreachable, .failed: 2
            }
        }

        /// The category of an API answer: its status, and the code where one status has two.
        package init(httpStatus: Int, code: String) {
            switch httpStatus {
            case 422: self = code == "idempotency-conflict" ? .keyReused : .invalid
            case 400, 405, 413, 415, 431: self = .malformed
            case 404: self = .notFound
            case 401: self = .unauthenticated
            case 403: self = .forbidden
            case 409, 412: self = .refused
            case 429: self = .throttled
            case 503: self = .unavailable
            default: self = .failed
            }
        }
    }

    package var category: Category
    package var code: String
    package var message: String
    package var details: [String: JSONValue]

    package init(_ category: Category, _ code: String, _ message: String, details: [String: JSONValue] = [:]) {
        self.category = category
        self.code = code
        self.message = message
        self.details = details
    }

    package var description: String { message }

    /// The body of the error, as the API answers it and the CLI prints it with `--json`.
    package var body: ErrorResponse {
        ErrorResponse(error: .init(code: code, message: message, details: details.isEmpty ? nil : details))
    }
}

/// `{"schema": 1, "error": {"code", "message", "details"}}`.
package struct ErrorResponse: Codable, Sendable, Equatable {
    package var schema = 1
    package var error: Body

    package struct Body: Codable, Sendable, Equatable {
        package var code: String
        package var message: String
        package var details: [String: JSONValue]?
    }

    package init(error: Body) { self.error = error }
}
