import RailyardNotify
import RailyardStore

/// The store keeps the outbox the deliverer sends from.
extension Store: Outbox {}
