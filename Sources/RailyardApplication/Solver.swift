import Foundation
import RailyardCore

/// A conda solver the promotion asks whether the future `main` installs what users will type.
package protocol InstallSolver: Sendable {
    /// Each of `solves` against `channels` (URLs, the future `main` first).
    func solve(_ solves: [PlannedSolve], channels: [String]) -> SolverOutcome
}

/// A solver's answer, or why none could be had.
package enum SolverOutcome: Sendable, Equatable {
    case answered(solver: String, results: [SolverResult])
    /// No solver here (py-rattler missing, no python): the check's verdict is "not run".
    case unavailable(String)
}

/// One solve's result, as the helper's contract has it (docs/solver.md).
package struct SolverResult: Sendable, Equatable, Codable {
    package var name: String
    package var ok: Bool
    package var packages: [PickedPackage]
    package var error: String?
    package var seconds: Double
    /// The helper's peak resident memory once this solve was done (`ru_maxrss`).
    package var peakMemoryBytes: Int?

    enum CodingKeys: String, CodingKey {
        case name, ok, packages, error, seconds
        case peakMemoryBytes = "peak_memory_bytes"
    }
}

/// py-rattler's `solve` (resolvo, the solver of pixi and rattler-build), through the helper
/// program compiled into Railyard (`Resources/solve.py`), run with `python` (`RAILYARD_PYTHON`,
/// default `python3`): the request as JSON on its standard input, the answer on its output.
/// With `program` (`RAILYARD_SOLVER`: conda, mamba or micromamba, by name or path) the helper
/// asks that program instead (`create --dry-run --json`), under the same contract.
package struct RattlerSolver: InstallSolver {
    package var python: String
    package var program: String?
    /// Where the repodata of `solve_with` URLs is kept between runs (`RAILYARD_SOLVER_CACHE`,
    /// default `$XDG_CACHE_HOME/railyard/solve-with` or `~/.cache/railyard/solve-with`).
    package var cacheDirectory: String

    package static var defaultCache: String {
        let environment = ProcessInfo.processInfo.environment
        if let set = environment["RAILYARD_SOLVER_CACHE"], !set.isEmpty { return set }
        let base =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache").path
        return base + "/railyard/solve-with"
    }

    package init(
        python: String = ProcessInfo.processInfo.environment["RAILYARD_PYTHON"] ?? "python3",
        program: String? = ProcessInfo.processInfo.environment["RAILYARD_SOLVER"].flatMap {
            $0.isEmpty || $0 == "py-rattler" ? nil : $0
        },
        cacheDirectory: String = RattlerSolver.defaultCache
    ) {
        self.python = python
        self.program = program
        self.cacheDirectory = cacheDirectory
    }

    /// The helper's source, as shipped.
    package static let script = String(decoding: PackageResources.solve_py, as: UTF8.self)

    private struct Request: Encodable {
        var contract = 1
        var channels: [String]
        var solves: [Solve]
        /// conda, mamba or micromamba instead of py-rattler (omitted: py-rattler).
        var program: String?
        /// Where the repodata of http(s) channels is kept between runs, revalidated by ETag.
        var cacheDir: String?

        enum CodingKeys: String, CodingKey {
            case contract, channels, solves, program
            case cacheDir = "cache_dir"
        }

        struct Solve: Encodable {
            var name: String
            var subdir: String
            var specs: [String]
            var virtualPackages: [String]

            enum CodingKeys: String, CodingKey {
                case name, subdir, specs
                case virtualPackages = "virtual_packages"
            }
        }
    }

    private struct Answer: Decodable {
        var solver: String?
        var results: [SolverResult]?
        var unavailable: String?
        var error: String?
    }

    package func solve(_ solves: [PlannedSolve], channels: [String]) -> SolverOutcome {
        let request = Request(
            channels: channels,
            solves: solves.map {
                .init(name: $0.name, subdir: $0.subdir, specs: $0.specs, virtualPackages: $0.virtualPackages)
            }, program: program, cacheDir: cacheDirectory)
        guard let input = try? JSONEncoder().encode(request) else {
            return .unavailable("the request cannot be encoded")
        }
        // A helper that exits before reading its request (no such python) must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", Self.script]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            return .unavailable("\(python) cannot be started: \(error.localizedDescription)")
        }
        // Write the request while the answer is read: neither side can fill its pipe and stall.
        let writer = Thread {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let answer = try? JSONDecoder().decode(Answer.self, from: output)
        if let reason = answer?.unavailable { return .unavailable(reason) }
        guard process.terminationStatus == 0, let answer, let results = answer.results, results.count == solves.count
        else {
            let said = answer?.error ?? String(decoding: errors.suffix(500), as: UTF8.self)
            return .unavailable(
                "\(python) exited with status \(process.terminationStatus)"
                    + (said.isEmpty ? "" : ": " + said.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return .answered(solver: answer.solver ?? "py-rattler", results: results)
    }
}
