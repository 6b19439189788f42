import Foundation
import Logging
import RailyardCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where notifications wait to be sent: the transactional outbox the store keeps. The deliverer
/// only takes what is due and records each attempt's outcome.
package protocol Outbox: Sendable {
    associatedtype Failure: Error
    /// Takes up to `limit` deliveries due at `now`, counting an attempt for each and reserving it
    /// for `lease` seconds.
    func takeDueDeliveries(at now: Date, limit: Int, lease: TimeInterval) throws(Failure) -> [Delivery]
    func markSent(_ id: String, attempt: Int, route: String, at time: Date) throws(Failure)
    /// Records a failed attempt: due again at `retryAt`, or dead when it is nil.
    func markFailed(_ id: String, attempt: Int, route: String?, error: String, retryAt: Date?) throws(Failure)
}

/// The outbox's delivery loop, one round at a time: takes the deliveries due, sends each to its
/// recipient's route from the catalog's contacts, and records the outcome — sent, due again after
/// a backoff, or dead-lettered after the last attempt.
package struct Deliverer<Box: Outbox>: Sendable {
    package struct Options: Sendable {
        /// Where the commands in messages are sent (the server's public address).
        package var server: String
        /// The sendmail-compatible program for e-mail routes.
        package var sendmail: String?
        package var mailFrom: String
        package var retry: RetryPolicy
        /// How long a taken delivery is reserved for this deliverer.
        package var lease: TimeInterval
        /// Deliveries sent at once.
        package var concurrency: Int
        /// Deliveries taken per round.
        package var batch: Int

        package init(
            server: String, sendmail: String? = nil, mailFrom: String = "railyard@localhost",
            retry: RetryPolicy = .standard, lease: TimeInterval = 120, concurrency: Int = 8, batch: Int = 200
        ) {
            self.server = server
            self.sendmail = sendmail
            self.mailFrom = mailFrom
            self.retry = retry
            self.lease = lease
            self.concurrency = concurrency
            self.batch = batch
        }
    }

    /// What one round did.
    package struct Round: Sendable, Equatable {
        package var sent: [Outcome] = []
        package var retrying: [Outcome] = []
        package var dead: [Outcome] = []
        package var taken: Int { sent.count + retrying.count + dead.count }
    }

    /// One delivery attempt: where it went, and why it failed (with when it is tried again).
    package struct Outcome: Sendable, Equatable {
        package var id: String
        package var recipient: String
        package var attempt: Int
        package var route: String?
        package var error: String?
        package var retryAt: Date?
    }

    private let store: Box
    private let contacts: [String: Contact]
    private let options: Options
    private let webhooks: WebhookSender
    private let environment: [String: String]
    private let logger: Logger

    package init(
        outbox store: Box, contacts: [Contact], options: Options,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "railyard.notify")
    ) {
        // A sendmail that exits before reading its input must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        self.store = store
        self.contacts = Dictionary(contacts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.options = options
        self.webhooks = WebhookSender()
        self.environment = environment
        self.logger = logger
    }

    /// Sends what is due at `now` (the clock of the attempts is `clock`, real time by default),
    /// batch after batch until nothing due is left.
    package func deliverDue(at now: Date, clock: @Sendable () -> Date = Date.init) async throws(Box.Failure) -> Round {
        var round = Round()
        while true {
            let taken = try store.takeDueDeliveries(at: now, limit: options.batch, lease: options.lease)
            if taken.isEmpty { break }
            // Each outcome is recorded as soon as its attempt ends, not when the batch does: a crash
            // mid-batch then sends again only the attempts that were in flight, not the whole batch.
            var failed: Box.Failure?
            await withTaskGroup(of: (Delivery, String?, DeliveryFailure?).self) { group in
                var next = taken.makeIterator()
                for _ in 0..<max(options.concurrency, 1) {
                    guard let delivery = next.next() else { break }
                    group.addTask { await self.attempt(delivery) }
                }
                while let (delivery, route, failure) = await group.next() {
                    do throws(Box.Failure) {
                        try record(delivery, route: route, failure: failure, at: now, clock: clock, in: &round)
                    } catch {
                        failed = error
                        group.cancelAll()
                        return
                    }
                    if let delivery = next.next() { group.addTask { await self.attempt(delivery) } }
                }
            }
            if let failed { throw failed }
        }
        return round
    }

    /// Records one attempt's outcome in the outbox (sent, due again, or dead) and in `round`.
    private func record(
        _ delivery: Delivery, route: String?, failure: DeliveryFailure?, at now: Date, clock: () -> Date,
        in round: inout Round
    ) throws(Box.Failure) {
        var outcome = Outcome(
            id: delivery.id, recipient: delivery.recipient, attempt: delivery.attempts, route: route,
            error: failure?.description, retryAt: nil)
        guard let failure else {
            try store.markSent(delivery.id, attempt: delivery.attempts, route: route ?? "", at: clock())
            round.sent.append(outcome)
            logger.info("notification delivered", metadata: ["delivery": "\(delivery.id)", "route": "\(route ?? "")"])
            return
        }
        let delay = options.retry.delay(afterAttempt: delivery.attempts, jitter: Double.random(in: 0..<1))
        let retryAt = delay.map { max(clock(), now).addingTimeInterval($0) }
        try store.markFailed(
            delivery.id, attempt: delivery.attempts, route: route, error: failure.description, retryAt: retryAt)
        outcome.retryAt = retryAt
        if retryAt == nil {
            round.dead.append(outcome)
            logger.error(
                "notification dead-lettered",
                metadata: [
                    "delivery": "\(delivery.id)", "attempts": "\(delivery.attempts)", "error": "\(failure.description)",
                ])
        } else {
            round.retrying.append(outcome)
            logger.warning(
                "notification not delivered; will retry",
                metadata: [
                    "delivery": "\(delivery.id)", "attempt": "\(delivery.attempts)", "error": "\(failure.description)",
                ])
        }
    }

    /// One attempt: the route it went to, and why it failed if it did.
    private func attempt(_ delivery: Delivery) async -> (Delivery, String?, DeliveryFailure?) {
        guard let contact = contacts[delivery.recipient] else {
            return (
                delivery, nil,
                DeliveryFailure("no contact named '\(delivery.recipient)' in the catalog's contacts")
            )
        }
        let envelope = Envelope(delivery, server: options.server)
        if let hook = contact.webhook {
            do {
                try await sendWebhook(envelope, contact: contact, url: hook)
                return (delivery, hook, nil)
            } catch {
                return (delivery, hook, error)
            }
        }
        if let address = contact.email {
            guard let program = options.sendmail else {
                return (
                    delivery, address, DeliveryFailure("no sendmail program configured (--sendmail) for \(address)")
                )
            }
            let sender = SendmailSender(program: program, from: options.mailFrom)
            do {
                try await sender.send(envelope.mail(from: options.mailFrom, to: address, at: Date()), to: address)
                return (delivery, address, nil)
            } catch {
                return (delivery, address, error)
            }
        }
        return (delivery, nil, DeliveryFailure("contact '\(contact.name)' has neither a webhook nor an e-mail"))
    }

    private func sendWebhook(_ envelope: Envelope, contact: Contact, url text: String) async throws(DeliveryFailure) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme)
        else {
            throw DeliveryFailure("contact '\(contact.name)': webhook \(text) is not an http(s) URL")
        }
        let body = envelope.webhookBody
        var headers = [
            "X-Railyard-Delivery": envelope.delivery.id,
            "X-Railyard-Event": envelope.delivery.kind,
        ]
        if let variable = contact.secretEnvironmentVariable {
            guard let secret = environment[variable], !secret.isEmpty else {
                throw DeliveryFailure(
                    "contact '\(contact.name)': \(variable) is not set, so the webhook cannot be signed")
            }
            headers["X-Railyard-Signature-256"] = Envelope.signature(of: body, secret: secret)
        }
        try await webhooks.post(body, to: url, headers: headers)
    }
}
