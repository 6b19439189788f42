import Foundation
import Logging
import RailyardApplication
import RailyardCore
import RailyardNotify
import RailyardStore
import ServiceLifecycle

/// The background half of notifications inside `railyard serve`: delivers what the outbox has
/// due, and runs every active train's deadline sweep (reminders, deadlines, escalations,
/// retirement proposals) on a schedule. On shutdown the round in flight finishes; a delivery cut
/// short by a crash is due again when its lease runs out.
struct NotificationService: Service {
    let store: Store
    let deliverer: Deliverer<Store>?
    let deliverEvery: Duration
    let sweepEvery: Duration
    let logger: Logger

    func run() async throws {
        if deliverer == nil {
            logger.notice(
                "notifications wait in the outbox: no deliveries without --catalog (its contacts) or in the demo")
        }
        var sinceSweep = sweepEvery
        while !Task.isShuttingDownGracefully {
            if sinceSweep >= sweepEvery {
                sweep(at: Date())
                sinceSweep = .zero
            }
            if let deliverer {
                do {
                    _ = try await deliverer.deliverDue(at: Date())
                } catch {
                    logger.error("notification round failed", metadata: ["error": "\(error)"])
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: deliverEvery) }
            } catch {
                break
            }
            sinceSweep += deliverEvery
        }
    }

    /// Every active train's deadline sweep, as the policy.
    private func sweep(at now: Date) {
        do {
            for train in try store.trains() where Stage.path.contains(train.stage) {
                let outcome = try store.execute(.sweepDeadlines, on: train.version, by: .policy, at: now)
                if !outcome.events.isEmpty {
                    logger.info(
                        "deadline sweep",
                        metadata: ["train": "\(train.version)", "events": "\(outcome.events.count)"])
                }
            }
        } catch {
            logger.error("deadline sweep failed", metadata: ["error": "\(error)"])
        }
    }
}
