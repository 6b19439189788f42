import NIOCore

/// When one connection must be closed for slowness, decided from what it read and wrote; it
/// performs nothing (``ConnectionGuard`` acts) and takes the time as an input.
///
/// | phase | deadline | when it passes |
/// |---|---|---|
/// | opened, nothing read yet | opened + header timeout | closed without an answer |
/// | part of a head read | its first byte (or the opening) + header timeout | 408, closed |
/// | a head read, its body coming | last byte + idle timeout | closed |
/// | every request read, a response not ended | none: the server is working (a long-poll, a download) | — |
/// | every response ended, nothing read since | that end + idle timeout | closed |
///
/// Bytes that arrive while a response is being written (a pipelined request) start no clock:
/// once the responses end, the idle timeout bounds them.
package struct ConnectionDeadlines: Equatable {
    package enum Phase: Equatable {
        /// Nothing of a next request has arrived: since the connection opened (`fresh`) or since
        /// the last response ended.
        case waiting(since: NIODeadline, fresh: Bool)
        /// Bytes of a request's head have arrived, not the whole head.
        case readingHead(since: NIODeadline)
        /// A head has arrived and its body is still coming.
        case readingBody(lastByte: NIODeadline)
        /// Every request has been read and a response has not ended.
        case answering
    }

    /// Why a connection is closed.
    package enum Expiry: Equatable {
        /// Its request's head did not arrive in time; `partial` when some of it did (then 408).
        case headerTimeout(partial: Bool)
        /// Nothing arrived for the idle timeout, between requests or within a body.
        case idleTimeout
    }

    /// What to do when the timer fires.
    package enum TimerAction: Equatable {
        case close(Expiry)
        /// Fire again at this time.
        case check(at: NIODeadline)
        /// No deadline now; a later input arms the timer again.
        case none
    }

    package let headerTimeout: TimeAmount
    package let idleTimeout: TimeAmount
    package private(set) var phase: Phase
    /// Requests whose response has not ended.
    package private(set) var open = 0

    package init(openedAt: NIODeadline, headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        phase = .waiting(since: openedAt, fresh: true)
    }

    package mutating func bytesArrived(at now: NIODeadline) {
        switch phase {
        case .waiting(let since, let fresh): phase = .readingHead(since: fresh ? since : now)
        case .readingBody: phase = .readingBody(lastByte: now)
        case .readingHead, .answering: break
        }
    }

    package mutating func headArrived(at now: NIODeadline) {
        open += 1
        phase = .readingBody(lastByte: now)
    }

    package mutating func requestEnded(at now: NIODeadline) {
        phase = open > 0 ? .answering : .waiting(since: now, fresh: false)
    }

    package mutating func responseEnded(at now: NIODeadline) {
        open = max(0, open - 1)
        if open == 0, phase == .answering { phase = .waiting(since: now, fresh: false) }
    }

    /// The time by which the connection must move on, and what passing it means.
    package var deadline: (at: NIODeadline, expiry: Expiry)? {
        switch phase {
        case .waiting(let since, true): (since + headerTimeout, .headerTimeout(partial: false))
        case .waiting(let since, false): (since + idleTimeout, .idleTimeout)
        case .readingHead(let since): (since + headerTimeout, .headerTimeout(partial: true))
        case .readingBody(let lastByte): (lastByte + idleTimeout, .idleTimeout)
        case .answering: nil
        }
    }

    /// When a timer armed now should first fire. Never later than the shorter timeout from
    /// now: every deadline an input can set is at least that far away, so inputs never have to
    /// move a timer earlier, and a busy connection schedules nothing per request.
    package func firstCheck(at now: NIODeadline) -> NIODeadline? {
        deadline.map { min($0.at, now + min(headerTimeout, idleTimeout)) }
    }

    package func timerFired(at now: NIODeadline) -> TimerAction {
        guard let deadline else { return .none }
        if deadline.at <= now { return .close(deadline.expiry) }
        return .check(at: min(deadline.at, now + min(headerTimeout, idleTimeout)))
    }
}
