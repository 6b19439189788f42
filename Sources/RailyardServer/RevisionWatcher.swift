import Foundation
import Logging
import RailyardStore
import ServiceLifecycle
import Synchronization

/// Long-polls: requests waiting for a train's revision to move past the one they saw. One
/// background loop reads every train's revision in one query every `interval` while anyone
/// waits (commands from other processes — the CLI, another server — are seen that way), and
/// commands through this server wake their waiters at once. A thousand waiters cost one query
/// per interval, not a thousand.
actor RevisionWatcher {
    private struct Waiter {
        var train: String
        var after: Int
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Int?, Never>
    }

    private let store: Store
    private var waiters: [UInt64: Waiter] = [:]
    private var nextID: UInt64 = 0
    /// Every train's revision as last read: what `If-None-Match` is compared with without a
    /// query. Commands through this server refresh it at once; commands of other processes are
    /// seen at the next poll.
    nonisolated let known = Mutex<[String: Int]>([:])

    init(store: Store) { self.store = store }

    /// The train's revision as last read, if it was read.
    nonisolated func knownRevision(of train: String) -> Int? { known.withLock { $0[train] } }

    /// The rule both the route and the polling fast path answer a poll by: when `If-None-Match`
    /// is exactly the ETag of the train's revision as last read, that ETag (the 304's); nil
    /// otherwise (the route reads the train).
    nonisolated func unchangedTag(of train: String, ifNoneMatch: String?) -> String? {
        guard let known = knownRevision(of: train) else { return nil }
        let tag = "\"\(known)\""
        return ifNoneMatch == tag ? tag : nil
    }

    var waiting: Int { waiters.count }

    /// The train's revision once it is above `after`, or nil when `timeout` passes first.
    func wait(train: String, after: Int, timeout: Duration) async -> Int? {
        if let current = try? store.revisions()[train], current > after { return current }
        let id = nextID
        nextID += 1
        return await withCheckedContinuation { continuation in
            waiters[id] = Waiter(
                train: train, after: after, deadline: .now + timeout, continuation: continuation)
        }
    }

    /// Looks at every train's revision and answers the waiters whose train moved or whose time
    /// is up.
    func poll() {
        guard let revisions = try? store.revisions() else { return }
        known.withLock { $0 = revisions }
        guard !waiters.isEmpty else { return }
        let now = ContinuousClock.now
        for (id, waiter) in waiters {
            if let revision = revisions[waiter.train], revision > waiter.after {
                waiters[id] = nil
                waiter.continuation.resume(returning: revision)
            } else if now >= waiter.deadline {
                waiters[id] = nil
                waiter.continuation.resume(returning: nil)
            }
        }
    }

    /// Answers every waiter (at shutdown): as timed out.
    func releaseAll() {
        for waiter in waiters.values { waiter.continuation.resume(returning: nil) }
        waiters = [:]
    }
}

/// The background loop of the watcher, a service of the server: stops on graceful shutdown and
/// answers the waiters still open.
struct RevisionPoller: Service {
    let watcher: RevisionWatcher
    let interval: Duration

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    await watcher.poll()
                }
            }
        } catch is CancellationError {}
        await watcher.releaseAll()
    }
}
