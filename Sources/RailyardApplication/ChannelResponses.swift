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
    /// Each build on `main` that pins the core without an upper bound: `{subdir, file, package,
    /// version, spec, proposed, reason, depends}`.
    package var affected: [PatchProposal]
    /// Per subdir, the content of a `patch_instructions.json`.
    package var patchInstructions: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case schema, train, affected
        case patchInstructions = "patch_instructions"
    }

    package init(train: String, proposals: [PatchProposal]) {
        self.train = train
        affected = proposals
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
