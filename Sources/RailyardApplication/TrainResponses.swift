import Foundation
import RailyardCore

/// `train list`, `GET /trains`: every train, newest first.
package struct TrainListResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var trains: [Entry]

    package struct Entry: Codable, Sendable, Equatable {
        package var train: String
        package var stage: String
        package var revision: Int
        @Null package var rc: Int?
        package var createdAt: Date
        package var updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case train, stage, revision, rc
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    package init(trains: [Entry]) { self.trains = trains }
}

/// `train status`, `GET /trains/{v}`: the stage, the RC, every member with its state and why it
/// is blocked, the current gate, the root causes and the stages so far.
package struct TrainStatusResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    /// `minor`, `major` or `bugfix`.
    package var kind: String
    package var core: String
    package var stage: String
    package var revision: Int
    @Null package var rc: Int?
    @Null package var finalRC: Int?
    package var members: [Member]
    /// The checks of the gate to leave the current stage (none once released or aborted).
    package var gates: [GateCheck]
    package var rootCauses: [RootCause]
    package var history: [StageEntry]
    /// The train that took this one's place (`train supersede`), once it ended so.
    @Null package var supersededBy: String?
    /// The train whose place this one took.
    @Null package var supersedes: String?
    /// The moment blocked reasons and deadlines were judged at.
    package var at: Date

    enum CodingKeys: String, CodingKey {
        case schema, train, kind, core, stage, revision, rc, members, gates, history, supersedes, at
        case finalRC = "final_rc"
        case rootCauses = "root_causes"
        case supersededBy = "superseded_by"
    }

    /// One member of the train.
    package struct Member: Codable, Sendable, Equatable {
        package var name: String
        /// Why it is in the train: `companion`, `rebuild`, `bump`, `retest`.
        package var reason: String
        package var state: String
        package var wave: Int
        package var version: String
        /// Its specs: the catalog's, or as its newest build declared them.
        package var depends: [String]
        package var maintainers: [String]
        package var why: String
        @Null package var deadline: Date?
        /// The reason of a waiver, when its failed test was waived.
        @Null package var waived: String?
        /// The reason of its exclusion, when it was excluded.
        @Null package var excluded: String?
        /// CI's log of its latest test.
        @Null package var log: String?
        package var blocked: [BlockedReason]
    }

    /// When the train entered a stage, and who moved it.
    package struct StageEntry: Codable, Sendable, Equatable {
        package var stage: String
        package var at: Date
        package var by: String
        /// Whether it fell back to this stage (a new RC, a new build).
        package var fallback: Bool
    }
}

/// `train gates`, `GET /trains/{v}/gates`: the current gate, check by check, and the few
/// actionable root causes.
package struct GatesResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    package var stage: String
    /// Every check holds (false when there is no gate: released or aborted).
    package var ok: Bool
    package var checks: [GateCheck]
    package var rootCauses: [RootCause]
    package var at: Date

    enum CodingKeys: String, CodingKey {
        case schema, train, stage, ok, checks, at
        case rootCauses = "root_causes"
    }
}

/// `train log`, `GET /trains/{v}/log`: the events, oldest first.
package struct TrainLogResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    package var events: [Entry]

    package struct Entry: Codable, Sendable, Equatable {
        package var revision: Int
        package var at: Date
        package var actor: String
        /// The command that caused it (`advance`, `stage`, `report`…).
        package var command: String
        /// What happened, in a sentence.
        package var summary: String
    }
}

/// Every train command (`advance`, `rc`, `final`, `abort`, `exclude`, `waive`, `bump ack`,
/// `bump decline`, `sweep`, `train create`): the revision it left the train at and what
/// happened.
package struct CommandResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    package var revision: Int
    /// True when an earlier request with the same idempotency key had done it: nothing changed.
    package var replayed: Bool
    package var events: [String]
    /// What the command went past and someone should know (`train create --stale-ok`).
    package var warnings: [String] = []

    package init(train: String, revision: Int, replayed: Bool, events: [String], warnings: [String] = []) {
        self.train = train
        self.revision = revision
        self.replayed = replayed
        self.events = events
        self.warnings = warnings
    }
}

/// `train supersede`, `POST /trains/{v}/supersede`: the train that ended, the train that took its
/// place, and every piece of work of its members, carried over or not (with why).
package struct SupersedeResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    /// The train that ended.
    package var train: String
    /// The revision it ended at.
    package var revision: Int
    /// The train created in its place.
    package var by: String
    /// The new train's revision after what it carried over.
    package var byRevision: Int
    /// True when an earlier request with the same idempotency key had done it: nothing changed.
    package var replayed: Bool
    package var carried: [Item]
    package var notCarried: [Item]
    /// What the creation went past (`--stale-ok`).
    package var warnings: [String]

    /// One piece of a member's work.
    package struct Item: Codable, Sendable, Equatable {
        package var member: String
        /// `acknowledgement`, `decline`, `exclusion`, `build`, `request`, `test result`, `waiver`, `rc`.
        package var what: String
        /// What was carried, or why it was not.
        package var detail: String
    }

    enum CodingKeys: String, CodingKey {
        case schema, train, revision, by, replayed, carried, warnings
        case byRevision = "by_revision"
        case notCarried = "not_carried"
    }
}

/// `GET /trains/{v}/members`: the members alone, as `train status` has them.
package struct MembersResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    package var members: [TrainStatusResponse.Member]

    package init(_ status: TrainStatusResponse) {
        train = status.train
        members = status.members
    }
}
