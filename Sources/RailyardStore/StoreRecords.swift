import Foundation
import RailyardCore

/// What an accepted command did: the train's new revision and the events it caused.
package struct CommandOutcome: Sendable, Equatable, Codable {
    package var train: String
    package var revision: Int
    package var events: [TrainEvent]
    /// True when an idempotency key returned an earlier outcome and nothing changed.
    package var replayed: Bool
}

/// What `supersede` recorded: the old train's end, the new train's creation and what it took
/// over, and the list of what was carried and what was not.
package struct SupersedeOutcome: Sendable, Equatable, Codable {
    package var ended: CommandOutcome
    package var created: CommandOutcome
    package var started: CommandOutcome
    package var carries: [Carry]
    /// True when an idempotency key returned an earlier outcome and nothing changed.
    package var replayed: Bool
}

/// One line of `railyard train list`.
package struct TrainSummary: Sendable, Equatable {
    package var version: String
    package var stage: Stage
    package var revision: Int
    package var rc: Int?
    package var createdAt: Date
    package var updatedAt: Date
}

/// One event of the log, with who caused it and when.
package struct LoggedEvent: Sendable, Equatable {
    package var revision: Int
    package var position: Int
    package var actor: String
    package var at: Date
    package var command: String
    package var event: TrainEvent
}

/// A notification waiting to be delivered.
package struct OutboxRow: Sendable, Equatable {
    package var id: String
    package var train: String
    package var kind: String
    package var recipients: [String]
    package var payload: String
}
