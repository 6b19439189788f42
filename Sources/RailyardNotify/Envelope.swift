import Crypto
import Foundation
import RailyardCore

/// A delivery as its receivers see it: the webhook's JSON body and the e-mail's RFC 5322 text.
package struct Envelope: Sendable {
    package var delivery: Delivery
    package var text: NoticeText

    package init(_ delivery: Delivery, server: String) {
        self.delivery = delivery
        self.text = NoticeText(
            kind: delivery.kind, train: delivery.train, payload: delivery.payload, server: server)
    }

    /// The webhook's body: a Slack-compatible `text` and the structured event.
    package var webhookBody: Data {
        struct Body: Encodable {
            var id, message, kind, train: String
            var revision: Int
            var recipient, createdAt, subject, text: String
            enum CodingKeys: String, CodingKey {
                case id, message, kind, train, revision, recipient, subject, text, event
                case createdAt = "created_at"
            }
            var event: [String: String]
        }
        let body = Body(
            id: delivery.id, message: delivery.message, kind: delivery.kind, train: delivery.train,
            revision: delivery.revision, recipient: delivery.recipient, createdAt: Self.iso(delivery.createdAt),
            subject: text.subject, text: "*\(text.subject)*\n\(text.body)", event: delivery.payload)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data("{}".utf8)
    }

    /// `sha256=<hex HMAC-SHA256 of body with secret>`, as GitHub signs its webhooks.
    package static func signature(of body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A stable `Message-ID` derived from the delivery's id.
    package var messageID: String {
        let digest = SHA256.hash(data: Data(delivery.id.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        return "<\(digest).\(delivery.revision)@railyard.invalid>"
    }

    /// The e-mail: headers (no line breaks smuggled into them) and the plain-text body.
    package func mail(from: String, to address: String, at date: Date) -> String {
        var lines = [
            "From: Railyard <\(Self.header(from))>",
            "To: \(Self.header(address))",
            "Subject: \(Self.encodedHeader(text.subject))",
            "Date: \(Self.rfc5322(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "X-Railyard-Delivery: \(Self.header(delivery.id))",
            "X-Railyard-Event: \(Self.header(delivery.kind))",
            "",
        ]
        for line in text.body.split(separator: "\n", omittingEmptySubsequences: false) {
            // RFC 5322 limits a line to 998 bytes: 240 characters are at most 960.
            var rest = Substring(line)
            while rest.utf8.count > 960 {
                let cut = rest.index(rest.startIndex, offsetBy: 240)
                lines.append(String(rest[..<cut]))
                rest = rest[cut...]
            }
            lines.append(String(rest))
        }
        return lines.joined(separator: "\r\n")
    }

    private static func header(_ value: String) -> String {
        String(value.map { $0 == "\r" || $0 == "\n" ? " " : $0 })
    }

    /// RFC 2047 encoding for a header with non-ASCII text.
    private static func encodedHeader(_ value: String) -> String {
        let clean = header(value)
        if clean.utf8.allSatisfy({ $0 < 0x80 }) { return clean }
        return "=?utf-8?B?\(Data(clean.utf8).base64EncodedString())?="
    }

    private static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
