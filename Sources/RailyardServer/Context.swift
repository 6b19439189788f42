import Foundation
import Hummingbird
import NIOCore

/// The request context of Railyard's routes: Hummingbird's core context and the client's
/// address (bad tokens are counted per address).
struct RailyardContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Locks out an address that keeps presenting bad tokens: after `limit` failures within
/// `window`, every token from it is refused (429) until `lockout` has passed.
actor AuthThrottle {
    private struct Record {
        var failures: Int
        var windowStart: ContinuousClock.Instant
        var lockedUntil: ContinuousClock.Instant?
    }

    let limit: Int
    let window: Duration
    let lockout: Duration
    private var records: [String: Record] = [:]

    init(limit: Int = 10, window: Duration = .seconds(60), lockout: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
        self.lockout = lockout
    }

    /// When the address may try again, if it is locked out now.
    func lockedUntil(_ address: String) -> ContinuousClock.Instant? {
        guard let until = records[address]?.lockedUntil, until > .now else { return nil }
        return until
    }

    func failed(_ address: String) {
        let now = ContinuousClock.now
        var record = records[address] ?? Record(failures: 0, windowStart: now, lockedUntil: nil)
        if now - record.windowStart > window { record = Record(failures: 0, windowStart: now, lockedUntil: nil) }
        record.failures += 1
        if record.failures >= limit { record.lockedUntil = now + lockout }
        records[address] = record
        if records.count > 10_000 { records = records.filter { $0.value.lockedUntil.map { $0 > now } ?? false } }
    }
}
