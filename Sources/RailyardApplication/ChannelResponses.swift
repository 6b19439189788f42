import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

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
    /// The core's builds against the builds that must pair with them.
    package var matrix: MatrixResponse
    /// What a real solver answered for what users will type: each solve's specs, the packages
    /// it picked, and the time it took (empty when the catalog asks no solver).
    package var solves: [Solve] = []
    /// Per cell: how many solves, their time together, and the solver's peak memory.
    package var solveFigures: [SolveFigure] = []
    /// How what users type with no version (`pytorch torchvision python 3.11.*`) changes from
    /// `main` now to the future `main`: `{name, before, after, changes}`.
    package var changes: [SolveChange] = []
    /// The train's revision once released (null for a dry run).
    @Null package var revision: Int?
    /// True when an earlier request with the same idempotency key had this answer.
    package var replayed = false

    package struct File: Codable, Sendable, Equatable {
        package var file: String
        package var sha256: String
    }

    enum CodingKeys: String, CodingKey {
        case schema, train, ok, gains, checks, matrix, solves, changes, revision, replayed
        case solveFigures = "solve_figures"
        case dryRun = "dry_run"
        case mainGeneration = "main_generation"
    }

    package var gainCount: Int { gains.values.reduce(0) { $0 + $1.count } }

    package struct Solve: Codable, Sendable, Equatable {
        package var name: String
        package var subdir: String
        /// The cell the solve stands for: `linux-64/py3.11_cuda12.1`.
        package var cell: String
        package var specs: [String]
        package var ok: Bool
        /// `{name, version, build, subdir}` of each package the solver picked.
        package var picked: [PickedPackage]
        /// The solver's explanation, or what the answer got wrong.
        @Null package var problem: String?
        package var seconds: Double
        /// The solver's peak resident memory once this solve was done.
        @Null package var peakMemoryBytes: Int?

        enum CodingKeys: String, CodingKey {
            case name, subdir, cell, specs, ok, picked, problem, seconds
            case peakMemoryBytes = "peak_memory_bytes"
        }

        package init(_ report: SolveReport) {
            name = report.name
            subdir = report.subdir
            cell = report.cell
            specs = report.specs
            ok = report.ok
            picked = report.picked
            problem = report.problem
            seconds = report.seconds
            peakMemoryBytes = report.peakMemoryBytes
        }
    }
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
    /// The solver's check of the proposal: applied to the future main, every solve of the
    /// train that installs without it still installs (null when nothing is proposed).
    @Null package var check: PatchCheck?

    enum CodingKeys: String, CodingKey {
        case schema, train, affected, check
        case patchInstructions = "patch_instructions"
    }

    package init(train: String, proposals: [PatchProposal], check: PatchCheck? = nil) {
        self.train = train
        self.check = check
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

/// What the solver said of a patch proposal: `passed` (every solve of the train that installs
/// without the patches installs with them), `failed` (naming each solve they break), or
/// `not run` (no solver here); with the solves it was checked with.
package struct PatchCheck: Codable, Sendable, Equatable {
    package enum Verdict: String, Codable, Sendable {
        case passed, failed
        case notRun = "not run"
    }

    package var verdict: Verdict
    /// The solver and its version, when it ran.
    @Null package var solver: String?
    /// The names of the train's solves the proposal was checked with.
    package var solves: [String]
    /// Each solve the patches break, with the solver's explanation.
    package var broken: [String]
    package var detail: String
}

/// `train matrix`, `GET /trains/{v}/matrix`, and the `matrix` of a promotion's dry run: the
/// core's builds in the RC as rows, the packages that must pair with each of them (companions
/// and C++/CUDA extensions) as columns, and each cell the files that install with that core
/// build, the gap, or the exemption that allows the gap.
package struct MatrixResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var train: String
    package var core: String
    package var version: String
    /// Every core build has its cells filled or exempt, and the RC covers the expected cells.
    package var complete: Bool
    package var columns: [Column]
    package var rows: [Row]
    /// Each shortfall, naming the package, the core build and the cell.
    package var problems: [String]
    /// Where each member stands in each cell against the current RC (null in a promotion's
    /// answer, and when members are tested as a whole).
    @Null package var tests: Tests?

    /// The members × cells view: `cells` are the columns (`linux-64/py3.11_cuda12.1`,
    /// `linux-64/any`), and each member's `states` one per cell: `passed`, `failed`,
    /// `testing`, `waiting`, `exempt`, `waived`, or null where the member has no such cell.
    package struct Tests: Codable, Sendable, Equatable {
        package var cells: [String]
        package var members: [MemberCells]
    }

    package struct MemberCells: Codable, Sendable, Equatable {
        package var package: String
        package var states: [CellState?]
    }

    package struct Column: Codable, Sendable, Equatable {
        package var package: String
        package var version: String
    }

    package struct Row: Codable, Sendable, Equatable {
        /// The core's file and build string.
        package var file: String
        package var build: String
        package var subdir: String
        @Null package var python: String?
        /// `cpu`, `cuda12.1`, … (null: pins none).
        @Null package var flavour: String?
        /// The cell's name without the subdir (`py3.11_cuda12.1`): what `ci claim --variant` selects.
        package var cell: String
        /// One per column, in the columns' order.
        package var cells: [Cell]
    }

    package struct Cell: Codable, Sendable, Equatable {
        /// `ok`, `missing` or `exempt`.
        package var state: String
        package var files: [String]
        /// Why an exempt cell may stay empty (null otherwise).
        @Null package var reason: String?
    }
}

extension MatrixResponse {
    /// The matrix with the members × cells view of `train`.
    package init(_ train: Train, _ matrix: VariantMatrix) {
        self.init(train: train.name, matrix)
        let cells = train.cellColumns
        guard !cells.isEmpty else { return }
        tests = Tests(
            cells: cells,
            members: train.members.compactMap { member in
                let states = cells.map { train.cellState(of: member, in: $0) }
                guard states.contains(where: { $0 != nil }) else { return nil }
                return MemberCells(package: member.name, states: states)
            })
    }

    package init(train: String, _ matrix: VariantMatrix) {
        self.init(
            train: train, core: matrix.core, version: matrix.coreVersion, complete: matrix.isComplete,
            columns: matrix.columns.map { Column(package: $0.member, version: $0.version) },
            rows: zip(matrix.rows, matrix.cells).map { row, cells in
                Row(
                    file: row.file, build: row.build, subdir: row.variant.subdir, python: row.variant.python,
                    flavour: row.variant.flavour, cell: row.variant.cell,
                    cells: cells.map { cell in
                        switch cell {
                        case .files(let files): Cell(state: "ok", files: files, reason: nil)
                        case .missing: Cell(state: "missing", files: [], reason: nil)
                        case .exempt(let reason): Cell(state: "exempt", files: [], reason: reason)
                        }
                    })
            },
            problems: matrix.problems, tests: nil)
    }

}

/// `channel revoke`, `POST /channel/revoke`: the files `main` loses (or lost), and what the
/// solver says of the last release's installs without them.
package struct RevokeResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    /// True without `--yes`: nothing changed.
    package var dryRun: Bool
    /// The revocation may go (or went): nothing it breaks, or `--force`.
    package var ok: Bool
    /// `main`'s generation: as it is (dry run), or the one the revocation made.
    package var mainGeneration: Int
    package var reason: String
    /// Each file taken off main: `{subdir, file, package, version, build, sha256}`.
    package var files: [File]
    /// The label the files move to; they are never deleted.
    package var label: String
    /// The newest released train, whose installs were checked (null when none was released).
    @Null package var lastRelease: String?
    /// The solver and its version (null when it did not run).
    @Null package var solver: String?
    /// Why the solver did not run, when it did not.
    @Null package var notRun: String?
    /// The last release's solves that were checked, by name.
    package var solves: [String]
    /// Each solve the revocation changes: `{name, before, after, changes}`.
    package var changes: [SolveChange]
    /// Why it may not go without `--force`.
    package var refusals: [String]
    /// `--force` took it past its refusals.
    package var forced: Bool
    /// True when an earlier request with the same idempotency key had this answer.
    package var replayed = false

    package struct File: Codable, Sendable, Equatable {
        package var subdir: String
        package var file: String
        package var package: String
        package var version: String
        package var build: String
        package var sha256: String
    }

    enum CodingKeys: String, CodingKey {
        case schema, ok, reason, files, label, solver, solves, changes, refusals, forced, replayed
        case dryRun = "dry_run"
        case mainGeneration = "main_generation"
        case lastRelease = "last_release"
        case notRun = "not_run"
    }
}

/// `channel log`, `GET /channel/log`: the changes of `main` that are no train's, oldest first,
/// with who made each, when and why.
extension RevokeResponse {
    package init(_ plan: TrainChannel.RevocationPlan, reason: String, generation: Int?, force: Bool) {
        self.init(
            dryRun: generation == nil, ok: plan.refusals.isEmpty || force,
            mainGeneration: generation ?? plan.generation, reason: reason,
            files: plan.files.map {
                File(
                    subdir: $0.subdir, file: $0.record.fileName, package: $0.record.name, version: $0.record.version,
                    build: $0.record.build, sha256: $0.record.sha256)
            },
            label: LocalChannel.brokenLabel, lastRelease: plan.lastRelease, solver: plan.solver, notRun: plan.notRun,
            solves: plan.solves, changes: plan.changes, refusals: plan.refusals, forced: force && !plan.refusals.isEmpty
        )
    }
}

package struct ChannelLogResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    package var entries: [ChannelLogEntry]
}

/// `channel check-served URL`: whether what a URL serves of main is main's current generation,
/// index file by index file.
package struct ServedResponse: Codable, Sendable, Equatable {
    package var schema = Wire.schema
    /// The channel's base URL as given.
    package var url: String
    /// The generation main is at here.
    package var mainGeneration: Int
    /// Every index file served as the current generation has it.
    package var ok: Bool
    package var files: [File]

    package struct File: Codable, Sendable, Equatable {
        /// `SUBDIR/repodata.json`, `SUBDIR/repodata.json.zst`.
        package var path: String
        /// `current`, `stale` (other bytes: an older generation, or damaged), `missing` (404),
        /// `unreachable` (no answer, or another status than 200 and 404).
        package var state: String
        package var expectedSHA256: String
        @Null package var servedSHA256: String?
        /// What was wrong, with the URL.
        @Null package var detail: String?

        enum CodingKeys: String, CodingKey {
            case path, state, detail
            case expectedSHA256 = "expected_sha256"
            case servedSHA256 = "served_sha256"
        }
    }

    enum CodingKeys: String, CodingKey {
        case schema, url, ok, files
        case mainGeneration = "main_generation"
    }
}
