import Foundation
import RailyardCore

/// `train promote`, `POST /trains/{v}/promote`: the dry run (what `main` gains, per subdir,
/// and every check), or the move that happened.
package struct PromotionResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    /// True for the dry run: nothing changed.
    package var dryRun: Bool
    /// Every check holds.
    package var ok: Bool
    /// `main`'s generation: as it is (dry run), or the one the move made.
    package var mainGeneration: Int
    /// Per subdir, every file `main` gains.
    package var gains: [String: [File]]
    package var checks: [GateCheck]
    /// The train's revision once released (null for a dry run).
    @Null package var revision: Int?
    /// True when an earlier request with the same idempotency key had this answer.
    package var replayed = false

    package struct File: Codable, Sendable, Equatable {
        package var file: String
        package var sha256: String
    }

    enum CodingKeys: String, CodingKey {
        case schema, train, ok, gains, checks, revision, replayed
        case dryRun = "dry_run"
        case mainGeneration = "main_generation"
    }

    package var gainCount: Int { gains.values.reduce(0) { $0 + $1.count } }
}

/// `channel patches`, `GET /trains/{v}/patches`: the builds on `main` that pin the core
/// without an upper bound, and the conda-forge style `patch_instructions.json` per subdir that
/// would add one. A proposal: nothing is applied.
package struct PatchesResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    package var affected: [Proposal]
    /// Per subdir, the content of a `patch_instructions.json`.
    package var patchInstructions: [String: JSONValue]

    package struct Proposal: Codable, Sendable, Equatable {
        package var subdir: String
        package var file: String
        package var package: String
        package var version: String
        /// The unbounded spec, and the spec proposed in its place.
        package var spec: String
        package var proposed: String
        package var reason: String
        /// The record's depends with the proposed spec in place.
        package var depends: [String]
    }

    enum CodingKeys: String, CodingKey {
        case schema, train, affected
        case patchInstructions = "patch_instructions"
    }

    package init(train: String, proposals: [PatchProposal]) {
        self.train = train
        affected = proposals.map {
            Proposal(
                subdir: $0.subdir, file: $0.fileName, package: $0.package, version: $0.version, spec: $0.spec,
                proposed: $0.proposed, reason: $0.reason, depends: $0.depends)
        }
        var instructions: [String: JSONValue] = [:]
        for (subdir, items) in Dictionary(grouping: proposals, by: \.subdir) {
            var tarBz2: [String: JSONValue] = [:]
            var conda: [String: JSONValue] = [:]
            for item in items {
                let patch = JSONValue.object(["depends": .array(item.depends.map { .string($0) })])
                if item.fileName.hasSuffix(".conda") {
                    conda[item.fileName] = patch
                } else {
                    tarBz2[item.fileName] = patch
                }
            }
            instructions[subdir] = .object([
                "patch_instructions_version": .number(1), "packages": .object(tarBz2),
                "packages.conda": .object(conda), "remove": .array([]), "revoke": .array([]),
            ])
        }
        patchInstructions = instructions
    }
}
