import Foundation

/// One notification on its way to one recipient.
package struct Delivery: Sendable, Equatable {
    package enum State: String, Sendable, CaseIterable {
        case pending, sent, dead
    }

    /// The message's id and the recipient: stable across attempts, what receivers dedupe on.
    package var id: String
    package var message: String
    package var train: String
    package var revision: Int
    package var kind: String
    package var recipient: String
    package var payload: [String: String]
    package var createdAt: Date
    package var state: State
    /// Attempts made (a delivery being sent counts its current attempt).
    package var attempts: Int
    package var nextAttemptAt: Date
    package var route: String?
    package var lastError: String?
    package var sentAt: Date?

    package init(
        id: String, message: String, train: String, revision: Int, kind: String, recipient: String,
        payload: [String: String], createdAt: Date, state: State, attempts: Int, nextAttemptAt: Date,
        route: String?, lastError: String?, sentAt: Date?
    ) {
        self.id = id
        self.message = message
        self.train = train
        self.revision = revision
        self.kind = kind
        self.recipient = recipient
        self.payload = payload
        self.createdAt = createdAt
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.route = route
        self.lastError = lastError
        self.sentAt = sentAt
    }
}
