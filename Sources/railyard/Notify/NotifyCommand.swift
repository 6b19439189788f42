import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardNotify
import RailyardStore

/// `railyard notify …`: the notification outbox — deliver what is due, see it, re-drive it.
struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Deliver, list, show and re-drive notifications (the server delivers them on its own).",
        discussion: """
            Every notification has one delivery per recipient, with a stable id that receivers \\
            dedupe on (X-Railyard-Delivery, Message-ID). A failed delivery is retried with \\
            exponential backoff and jitter, then dead-lettered; `notify retry` re-drives it.

            Example:
              railyard notify list --state dead
            """,
        subcommands: [NotifyDeliver.self, NotifyList.self, NotifyShow.self, NotifyRetry.self]
    )
}

/// How notifications are sent: shared by `serve` and `notify deliver`.
struct NotifyOptions: ParsableArguments {
    @Option(
        name: .customLong("public-url"),
        help: "The server's address as recipients reach it, used in the commands messages give.")
    var publicURL: String? = ProcessInfo.processInfo.environment["RAILYARD_PUBLIC_URL"]

    @Option(
        name: .customLong("sendmail"),
        help:
            "A sendmail-compatible program for e-mail contacts (default /usr/sbin/sendmail if present; env RAILYARD_SENDMAIL)."
    )
    var sendmail: String? = ProcessInfo.processInfo.environment["RAILYARD_SENDMAIL"]

    @Option(name: .customLong("mail-from"), help: "The sender of e-mails.")
    var mailFrom = ProcessInfo.processInfo.environment["RAILYARD_MAIL_FROM"] ?? "railyard@localhost"

    @Option(name: .customLong("retry-base"), help: "The wait after a first failed delivery: Ns, Nm, Nh or Nd.")
    var retryBase = "30s"

    @Option(name: .customLong("max-attempts"), help: "Attempts before a delivery is dead-lettered.")
    var maxAttempts = RetryPolicy.standard.maxAttempts

    var sendmailProgram: String? {
        if let sendmail { return sendmail }
        return FileManager.default.isExecutableFile(atPath: "/usr/sbin/sendmail") ? "/usr/sbin/sendmail" : nil
    }

    func retryPolicy(json: Bool) throws -> RetryPolicy {
        guard let base = PolicyDuration(retryBase) else {
            throw refuse(
                code: "invalid-argument", message: "--retry-base \(retryBase): write Ns, Nm, Nh or Nd", json: json)
        }
        guard (1...100).contains(maxAttempts) else {
            throw refuse(code: "invalid-argument", message: "--max-attempts \(maxAttempts): 1 to 100", json: json)
        }
        return RetryPolicy(
            base: TimeInterval(base.seconds), cap: max(RetryPolicy.standard.cap, TimeInterval(base.seconds)),
            maxAttempts: maxAttempts)
    }
}

/// Reads `--at TIME` (ISO 8601), or now.
func parseTime(_ text: String?, option: String, json: Bool) throws -> Date {
    guard let text else { return Date() }
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    throw refuse(
        code: "invalid-argument", message: "\(option) \(text): write an ISO 8601 time such as 2026-12-03T09:00:00Z",
        json: json)
}

struct NotifyDeliver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Run one delivery round: send every notification due at --at (default now).",
        discussion: """
            Exits 0 when everything due was delivered, 1 when some delivery failed (it is retried \\
            later, or dead-lettered after the last attempt), 2 on bad input.

            Example:
              railyard notify deliver --catalog distro.yml --sendmail /usr/bin/msmtp
            """)

    @Option(help: "The catalog whose contacts say how to reach each recipient.") var catalog: String
    @Option(help: "Deliver what is due at this time (ISO 8601), default now.") var at: String?
    @OptionGroup var notify: NotifyOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let json = store.output.json
        let now = try parseTime(at, option: "--at", json: json)
        let catalog = try loadCatalog(self.catalog, json: json)
        let retry = try notify.retryPolicy(json: json)
        let deliverer = Deliverer(
            outbox: try store.open(), contacts: catalog.contacts,
            options: Deliverer<Store>.Options(
                server: notify.publicURL ?? "http://127.0.0.1:8080", sendmail: notify.sendmailProgram,
                mailFrom: notify.mailFrom, retry: retry))
        let fixed = at != nil
        let round: Deliverer<Store>.Round
        do {
            round = try await deliverer.deliverDue(at: now, clock: { fixed ? now : Date() })
        } catch {
            throw refuseStore(error, json: json)
        }
        var out = OutputBuffer()
        if json {
            func list(_ outcomes: [Deliverer<Store>.Outcome]) -> JSONValue {
                .array(
                    outcomes.map { outcome in
                        .object([
                            "id": .string(outcome.id), "recipient": .string(outcome.recipient),
                            "attempt": .number(outcome.attempt), "route": outcome.route.map { .string($0) } ?? .null,
                            "error": outcome.error.map { .string($0) } ?? .null,
                            "retry_at": outcome.retryAt.map { .string(iso($0)) } ?? .null,
                        ])
                    })
            }
            out.appendLine(
                json: .object(["sent": list(round.sent), "retrying": list(round.retrying), "dead": list(round.dead)]))
        } else {
            for outcome in round.sent { out.append("sent     \(outcome.id) → \(outcome.route ?? "")\n") }
            for outcome in round.retrying {
                out.append(
                    "retrying \(outcome.id) (attempt \(outcome.attempt), again at \(outcome.retryAt.map(iso) ?? "")): \(outcome.error ?? "")\n"
                )
            }
            for outcome in round.dead {
                out.append("dead     \(outcome.id) after \(outcome.attempt) attempts: \(outcome.error ?? "")\n")
            }
            out.append(
                "\(round.sent.count) sent, \(round.retrying.count) to retry, \(round.dead.count) dead-lettered\n")
        }
        out.flush()
        if !round.retrying.isEmpty || !round.dead.isEmpty { throw ExitStatus.refused }
    }
}

struct NotifyList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List deliveries, newest first.",
        discussion: """
            Example:
              railyard notify list --state dead --train 2.6.0
            """)

    @Option(help: "pending, sent or dead.") var state: String?
    @Option(help: "Only this train's.") var train: String?
    @Option(help: "At most this many.") var limit = 200
    @OptionGroup var store: StoreOptions

    func run() throws {
        let json = store.output.json
        var wanted: Delivery.State? = nil
        if let state {
            guard let parsed = Delivery.State(rawValue: state) else {
                throw refuse(code: "invalid-argument", message: "--state \(state): pending, sent or dead", json: json)
            }
            wanted = parsed
        }
        let deliveries = try withStore(store) { store throws(StoreError) in
            try store.deliveries(state: wanted, train: train, limit: max(limit, 0))
        }
        var out = OutputBuffer()
        if json {
            out.appendLine(json: .object(["deliveries": .array(deliveries.map(deliveryJSON))]))
        } else {
            for delivery in deliveries {
                let error = delivery.lastError.map { "  \($0)" } ?? ""
                out.append(
                    "\(delivery.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\(delivery.id)  attempts \(delivery.attempts)\(error)\n"
                )
            }
        }
        out.flush()
    }
}

struct NotifyShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one delivery: its state, attempts, last error and the message it carries.",
        discussion: """
            Example:
              railyard notify show 2.6.0/4/1/request/kornia-team
            """)

    @Argument(help: "The delivery's id (see notify list).") var id: String
    @Option(help: "The server address the message's commands name.") var publicURL = "http://127.0.0.1:8080"
    @OptionGroup var store: StoreOptions

    func run() throws {
        let delivery = try withStore(store) { store throws(StoreError) in try store.delivery(id) }
        let text = NoticeText(kind: delivery.kind, train: delivery.train, payload: delivery.payload, server: publicURL)
        var out = OutputBuffer()
        if store.output.json {
            var object = deliveryJSON(delivery)
            if case .object(var fields) = object {
                fields["subject"] = .string(text.subject)
                fields["text"] = .string(text.body)
                object = .object(fields)
            }
            out.appendLine(json: object)
        } else {
            out.append("delivery   \(delivery.id)\n")
            out.append("state      \(delivery.state.rawValue), \(delivery.attempts) attempt(s)\n")
            out.append("recipient  \(delivery.recipient)\(delivery.route.map { " (\($0))" } ?? "")\n")
            out.append("created    \(iso(delivery.createdAt))\n")
            if delivery.state == .pending { out.append("due        \(iso(delivery.nextAttemptAt))\n") }
            if let sent = delivery.sentAt { out.append("sent       \(iso(sent))\n") }
            if let error = delivery.lastError { out.append("last error \(error)\n") }
            out.append("\nSubject: \(text.subject)\n\n\(text.body)")
        }
        out.flush()
    }
}

struct NotifyRetry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make deliveries due again now, with fresh attempts: the ones named, or every dead one.",
        discussion: """
            Example:
              railyard notify retry --all-dead
            """)

    @Argument(help: "Delivery ids (see notify list).") var ids: [String] = []
    @Flag(help: "Re-drive every dead-lettered delivery.") var allDead = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        let json = store.output.json
        guard allDead != !ids.isEmpty else {
            throw refuse(
                code: "invalid-argument", message: "name delivery ids, or pass --all-dead (not both)", json: json)
        }
        let redriven = try withStore(store) { store throws(StoreError) in
            try store.retryDeliveries(allDead ? [] : ids, at: Date())
        }
        var out = OutputBuffer()
        if json {
            out.appendLine(json: .object(["retrying": .array(redriven.map { .string($0) })]))
        } else {
            for id in redriven { out.append("due again: \(id)\n") }
            out.append("\(redriven.count) deliveries due again; the server (or notify deliver) sends them\n")
        }
        out.flush()
    }
}

private func deliveryJSON(_ delivery: Delivery) -> JSONValue {
    .object([
        "id": .string(delivery.id), "message": .string(delivery.message), "train": .string(delivery.train),
        "kind": .string(delivery.kind), "recipient": .string(delivery.recipient),
        "state": .string(delivery.state.rawValue), "attempts": .number(delivery.attempts),
        "next_attempt_at": .string(iso(delivery.nextAttemptAt)),
        "route": delivery.route.map { .string($0) } ?? .null,
        "last_error": delivery.lastError.map { .string($0) } ?? .null,
        "sent_at": delivery.sentAt.map { .string(iso($0)) } ?? .null,
        "created_at": .string(iso(delivery.createdAt)),
    ])
}
