import Foundation

/// When a failed delivery is tried again: exponential backoff with jitter, up to a limit, after
/// which the delivery is dead-lettered (kept, shown by `notify list --state dead`, re-driven by
/// `notify retry`).
package struct RetryPolicy: Sendable, Equatable {
    /// The wait after the first failure.
    package var base: TimeInterval
    /// The longest wait.
    package var cap: TimeInterval
    /// Attempts in all, the first included.
    package var maxAttempts: Int

    /// 30 s, doubling to at most an hour, 12 attempts (about 7 hours in all).
    package static let standard = RetryPolicy(base: 30, cap: 3600, maxAttempts: 12)

    package init(base: TimeInterval, cap: TimeInterval, maxAttempts: Int) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The wait after the `attempt`-th attempt failed, or nil when that was the last one.
    /// `jitter` in 0..<1 spreads retries of many deliveries over the upper half of the window
    /// (base·2^(attempt−1), capped), so a receiver that comes back is not hit all at once.
    package func delay(afterAttempt attempt: Int, jitter: Double) -> TimeInterval? {
        guard attempt < maxAttempts else { return nil }
        let exponent = Double(min(max(attempt - 1, 0), 62))
        let window = min(base * pow(2, exponent), cap)
        return window / 2 + window / 2 * min(max(jitter, 0), 1)
    }
}
