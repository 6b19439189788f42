import Crypto
import Foundation
import GRDB

/// An idempotency key as the store keeps it: the caller's own, and bound to the request it came
/// with.
///
/// `scope` is who sent it (a token's name through the API, the acting person on the command
/// line), so that two callers never share a key. `requestHash` is a SHA-256 of what was asked:
/// a repeat of the same request with the same key returns the first answer and changes nothing,
/// while the same key with another request is refused (`idempotencyConflict`).
package struct IdempotencyKey: Sendable, Hashable {
    /// The longest key accepted, in characters.
    package static let maxLength = 200

    package var scope: String
    package var key: String
    /// What the request was, in a few words, for the message that refuses a reuse.
    package var request: String
    /// SHA-256 of the request's parts, hex.
    package var requestHash: String

    /// A key bound to a request made of `parts` (method, route, path parameters, canonical body…);
    /// `request` is how the refusal of a reuse names it.
    package init(scope: String, key: String, request: String, parts: [String]) {
        self.scope = scope
        self.key = key
        self.request = request
        var hasher = SHA256()
        for part in parts {
            // Each part with its length, so that ["ab", "c"] and ["a", "bc"] differ.
            hasher.update(data: Data("\(part.utf8.count):".utf8))
            hasher.update(data: Data(part.utf8))
        }
        requestHash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

extension Store {
    /// The answer recorded for `key`, when the same request was made with it before; nil when
    /// the key is new. Refused when the key was used for another request.
    package func replay<Answer: Decodable>(_ key: IdempotencyKey, as type: Answer.Type) throws(StoreError)
        -> Answer?
    {
        try read { db in try Self.replay(db, key, as: type) }
    }

    /// Records `answer` as the response to `key`'s request. Recording the same request again
    /// keeps the first answer; another request under the key is refused.
    package func remember(_ key: IdempotencyKey, answer: some Encodable, at time: Date) throws(StoreError) {
        try write { db in
            if try Self.replay(db, key, as: IgnoredAnswer.self) != nil { return }
            try Self.remember(db, key, answer: answer, at: time)
        }
    }

    /// `replay` inside a transaction the caller holds.
    static func replay<Answer: Decodable>(_ db: Database, _ key: IdempotencyKey, as type: Answer.Type) throws
        -> Answer?
    {
        let length = key.key.unicodeScalars.count
        guard length >= 1 && length <= IdempotencyKey.maxLength else {
            throw StoreError.invalidIdempotencyKey(length: length)
        }
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT request_hash, request, response FROM request_key WHERE scope = ? AND key = ?"),
                arguments: [key.scope, key.key]
            )
        else { return nil }
        guard (row["request_hash"] as String) == key.requestHash else {
            throw StoreError.idempotencyConflict(key: key.key, earlier: row["request"])
        }
        return try JSONDecoder().decode(Answer.self, from: Data((row["response"] as String).utf8))
    }

    /// `remember` inside a transaction the caller holds.
    static func remember(_ db: Database, _ key: IdempotencyKey, answer: some Encodable, at time: Date) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO request_key (scope, key, request_hash, request, response, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                key.scope, key.key, key.requestHash, key.request, try json(answer), time.timeIntervalSince1970,
            ])
    }

    /// Runs `body` once per `key` inside the caller's transaction: a repeat of the request returns
    /// the recorded answer (`replayed` marks it), and the answer of a first run is recorded in the
    /// same transaction as its changes.
    static func once<Answer: Codable>(
        _ db: Database, _ key: IdempotencyKey?, at time: Date, replayed: (inout Answer) -> Void = { _ in },
        _ body: () throws -> Answer
    ) throws -> (answer: Answer, replayed: Bool) {
        guard let key else { return (try body(), false) }
        if var earlier = try replay(db, key, as: Answer.self) {
            replayed(&earlier)
            return (earlier, true)
        }
        let answer = try body()
        try remember(db, key, answer: answer, at: time)
        return (answer, false)
    }
}

/// Any JSON answer, read only to learn that there is one.
private struct IgnoredAnswer: Decodable {
    init(from decoder: any Decoder) throws {}
}
