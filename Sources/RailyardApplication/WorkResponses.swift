import Foundation
import RailyardCore

/// `ci claim`, `POST /work/claim`: the piece of work handed out, or null when there is none.
package struct ClaimResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    @Null package var work: Work?
    /// True when an earlier claim with the same idempotency key handed this out.
    package var replayed = false

    /// A piece of CI work held under a lease.
    package struct Work: Codable, Sendable, Equatable {
        /// What `ci report` and heartbeats name (`2.6.0:test:kornia:rc1`).
        package var id: String
        package var train: String
        /// `build`, `test` or `integration`.
        package var kind: String
        /// The member to build or test; null for the all-together run.
        @Null package var package: String?
        /// The cell to build or test in (`linux-64/py3.11_cuda12.1`); null for the whole member.
        @Null package var cell: String?
        /// The RC the work is against.
        package var rc: Int
        /// Which attempt against this RC it is.
        package var attempt: Int
        package var leaseUntil: Date
        /// The specs that pin the cell, for `conda create`: the core's build of that cell, the
        /// member at its train version, the cell's python.
        package var specs: [String]
        /// The channel's labels to install from, in order: the train's staging label, then `main`.
        package var labels: [String]

        enum CodingKeys: String, CodingKey {
            case id, train, kind, package, cell, rc, attempt, specs, labels
            case leaseUntil = "lease_until"
        }
    }

    package init(work: Work?, replayed: Bool = false) {
        self.work = work
        self.replayed = replayed
    }
}

/// `ci wait`, one look at the train: its stage and revision.
package struct WatchResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    package var stage: String
    package var revision: Int
}

/// `stage`, `POST /trains/{v}/artifacts`: what each package's files did on the staging label.
package struct StageResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    /// The staging label (`train-2.6.0`).
    package var label: String
    package var staged: [Item]
    /// True when an earlier request with the same idempotency key had this answer.
    package var replayed = false

    package struct Item: Codable, Sendable, Equatable {
        package var package: String
        /// The build's files, `SUBDIR/FILE`: those staged now and those it already had.
        package var files: [String]
        /// False when the same files were there already: nothing changed.
        package var changed: Bool
        /// The train's revision after it (null when nothing changed).
        @Null package var revision: Int?
        package var events: [String]
    }
}

/// `channel index`, `POST /channel/index`: every label's repodata rebuilt from the files.
package struct IndexResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    /// Records per label.
    package var labels: [String: Int]
    package var mainGeneration: Int
    /// What another indexer had written that Railyard does not write (`current_repodata.json`,
    /// `channeldata.json`…), set aside under `.railyard/adopted/GENERATION/`, channel-relative.
    package var setAside: [String] = []
    /// True when an earlier request with the same idempotency key had this answer.
    package var replayed = false

    enum CodingKeys: String, CodingKey {
        case schema, labels, replayed
        case mainGeneration = "main_generation"
        case setAside = "set_aside"
    }
}

/// `channel verify`, `GET /channel/verify`: every listed file present with its size and sha256,
/// nothing unlisted.
package struct VerifyResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var ok: Bool
    package var mainGeneration: Int
    /// Each problem, naming the file.
    package var problems: [String]
    /// Temporary files of interrupted writes: not problems; the next stage or index removes them.
    package var leftovers: [String]

    enum CodingKeys: String, CodingKey {
        case schema, ok, problems, leftovers
        case mainGeneration = "main_generation"
    }
}

/// `ci wait`'s last line: the stage the train is at, and whether it has reached the one waited for.
package struct WaitResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    package var stage: String
    package var reached: Bool

    package init(train: String, stage: String, reached: Bool) {
        self.train = train
        self.stage = stage
        self.reached = reached
    }
}
