import Foundation

/// One solve the promotion asks of a real conda solver: specs a user would type, for one
/// subdir, and what the answer must pick.
package struct PlannedSolve: Sendable, Equatable, Codable {
    /// `linux-64/py3.11_cuda12.1: pytorch with its companions`.
    package var name: String
    package var subdir: String
    /// The cell the solve stands for (`linux-64/py3.11_cuda12.1`; an install check's own).
    package var cell: String
    package var specs: [String]
    /// The virtual packages of the cell's machines (`__cuda=12.1`, `__glibc=2.28`).
    package var virtualPackages: [String]
    /// Per package name: the version the solve must pick (the train's), and for the core the
    /// build when the cell pins one.
    package var expect: [String: Expected]
    /// The python and flavour the specs ask for (an install check's `pytorch-cuda=12.1`): the
    /// core the solve picks must be of that variant.
    package var requested: Variant? = nil

    package struct Expected: Sendable, Equatable, Codable {
        package var version: String
        package var build: String?
        /// A newer version will do: the user asked for no version, and `main` may hold a newer
        /// release than this train's (a patch train after the next minor).
        package var orNewer = false

        package init(version: String, build: String?, orNewer: Bool = false) {
            self.version = version
            self.build = build
            self.orNewer = orNewer
        }
    }

    package init(
        name: String, subdir: String, cell: String, specs: [String], virtualPackages: [String],
        expect: [String: Expected], requested: Variant? = nil
    ) {
        self.name = name
        self.subdir = subdir
        self.cell = cell
        self.specs = specs
        self.virtualPackages = virtualPackages
        self.expect = expect
        self.requested = requested
    }
}

/// What a solver picked for one package.
package struct PickedPackage: Sendable, Equatable, Codable {
    package var name: String
    package var version: String
    package var build: String
    package var subdir: String

    package init(name: String, version: String, build: String, subdir: String) {
        self.name = name
        self.version = version
        self.build = build
        self.subdir = subdir
    }
}

extension Train {
    /// The solves that say whether what users will type installs from the future `main`: per
    /// cell of the RC, the core (pinned to that cell's build) with its companions, with each
    /// member that has a build for the cell on its own, and with all of them at once.
    package func installSolves() -> [PlannedSolve] {
        let cells = self.cells.isEmpty ? requiredSubdirs.map { Variant(subdir: $0) } : self.cells
        var solves: [PlannedSolve] = []
        for cell in cells {
            let coreFile = (rcArtifacts ?? []).first { $0.variant == cell }
            let coreBuild = coreFile.map { PackageRecord.buildString(ofFileName: $0.fileName) }
            var specs = [coreBuild.map { "\(core) ==\(version) \($0)" } ?? "\(core) ==\(version)"]
            var expect: [String: PlannedSolve.Expected] = [core: .init(version: version.description, build: coreBuild)]
            var companions: [String] = []
            var everyone: [String] = []
            var alone: [(name: String, spec: String)] = []
            for member in members where member.state != .excluded && member.reason != .support {
                guard let build = member.build, let artifacts = build.artifacts, !artifacts.isEmpty else { continue }
                let pairs = artifacts.contains { artifact in
                    artifact.subdir == "noarch"
                        || (artifact.variant.map { $0.pairs(with: cell) } ?? (artifact.subdir == cell.subdir))
                }
                guard pairs else { continue }
                let spec = "\(member.name) ==\(build.version)"
                expect[member.name] = .init(version: build.version.description, build: nil)
                everyone.append(spec)
                if member.reason == .companion { companions.append(spec) } else { alone.append((member.name, spec)) }
            }
            let virtual = Self.virtualPackages(for: cell)
            let label = "\(cell.key): \(core)"
            let companionNames = Set(members.filter { $0.reason == .companion }.map(\.name))
            solves.append(
                PlannedSolve(
                    name: "\(label) with its companions", subdir: cell.subdir, cell: cell.key,
                    specs: specs + companions, virtualPackages: virtual,
                    expect: expect.filter { $0.key == core || companionNames.contains($0.key) }))
            // Each member with the core on its own names the one that cannot install.
            for (name, spec) in alone {
                solves.append(
                    PlannedSolve(
                        name: "\(label) with \(name)", subdir: cell.subdir, cell: cell.key, specs: specs + [spec],
                        virtualPackages: virtual, expect: expect.filter { $0.key == core || $0.key == name }))
            }
            specs += everyone
            solves.append(
                PlannedSolve(
                    name: "\(label) with every member", subdir: cell.subdir, cell: cell.key, specs: specs,
                    virtualPackages: virtual, expect: expect))
        }
        for check in solving?.installChecks ?? [] {
            // The train's versions of what it names, and the python and flavour it asks for.
            var expect: [String: PlannedSolve.Expected] = [:]
            for text in check.specs {
                guard let spec = try? MatchSpec(text), let name = spec.exactName else { continue }
                if let version = newVersion(of: name) {
                    expect[name] = .init(version: version.description, build: nil, orNewer: spec.version == nil)
                }
            }
            let asked = PackageRecord(
                fileName: "request", name: "request", version: "0", build: "0", buildNumber: 0, depends: check.specs,
                constrains: [], subdir: check.subdir, noarch: nil, license: nil, timestamp: nil, size: 0, md5: "",
                sha256: "")
            let requested = Variant(asked, keys: variantRules?.keys ?? [])
            solves.append(
                PlannedSolve(
                    name: "\(check.subdir): \(check.specs.joined(separator: " "))", subdir: check.subdir,
                    cell: requested.key, specs: check.specs, virtualPackages: Self.virtualPackages(for: requested),
                    expect: expect,
                    requested: requested))
        }
        return solves
    }

    /// What users type with no version, per cell of the RC: the core and its companions by name,
    /// with the cell's python as users pin it. Solved against `main` before and after a
    /// promotion, none may get older (`Train.backwardSteps`): a patch train promoted after the
    /// next minor must not take the newest torch away from users who ask for no version.
    package func unpinnedSolves() -> [PlannedSolve] {
        let cells = self.cells.isEmpty ? requiredSubdirs.map { Variant(subdir: $0) } : self.cells
        let names =
            [core]
            + members.filter { $0.reason == .companion && $0.state != .excluded }.map(\.name).sorted()
        return cells.map { cell in
            let specs = names + (cell.python.map { ["python \($0).*"] } ?? [])
            return PlannedSolve(
                name: "\(cell.key): \(specs.joined(separator: " ")) (no version asked)", subdir: cell.subdir,
                cell: cell.key, specs: specs, virtualPackages: Self.virtualPackages(for: cell), expect: [:])
        }
    }

    /// Where the answers to the same unpinned solves get older from `before` (main now) to
    /// `after` (the future main): a package picked at a lower version, or a solve that no
    /// longer installs. Empty when nothing goes backwards.
    package static func backwardSteps(before: [SolveReport], after: [SolveReport]) -> [String] {
        var steps: [String] = []
        for (old, new) in zip(before, after) where old.ok {
            guard new.ok else {
                steps.append("\(old.name): no longer installs")
                continue
            }
            let now = Dictionary(new.picked.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for was in old.picked {
                guard let pick = now[was.name], let older = try? Version(pick.version),
                    let newer = try? Version(was.version), older < newer
                else { continue }
                steps.append("\(old.name): gets \(was.name) \(pick.version) where main gives \(was.version)")
            }
        }
        return steps
    }

    /// The virtual packages a machine of `cell` has: the platform's, and CUDA for a CUDA cell.
    static func virtualPackages(for cell: Variant) -> [String] {
        var packages: [String]
        switch cell.subdir.split(separator: "-").first {
        case "linux": packages = ["__unix=0=0", "__linux=5.15=0", "__glibc=2.28=0"]
        case "osx": packages = ["__unix=0=0", "__osx=14.0=0"]
        case "win": packages = ["__win=0=0"]
        default: packages = []
        }
        if let cuda = cell.cuda { packages.append("__cuda=\(cuda)=0") }
        return packages
    }

}

extension PlannedSolve {
    /// Why an answer fails this solve, or nil when it holds: the solver's own error, or a pick
    /// other than the train's version (an older torchvision) or the cell's core build (CPU
    /// torch for a CUDA request).
    package func problem(picked: [PickedPackage]?, error: String?, core: String, future: LabelRecords) -> String? {
        guard let picked else { return "\(name): cannot be installed: \(error ?? "the solver gave no reason")" }
        var wrong: [String] = []
        for (name, expected) in expect.sorted(by: { $0.key < $1.key }) {
            guard let pick = picked.first(where: { $0.name == name }) else {
                wrong.append("\(name) is not picked")
                continue
            }
            let newer =
                expected.orNewer
                && (try? Version(pick.version)).map { picked in
                    (try? Version(expected.version)).map { picked > $0 } ?? false
                } ?? false
            if !newer && (pick.version != expected.version || (expected.build.map { $0 != pick.build } ?? false)) {
                wrong.append(
                    "picks \(name) \(pick.version) \(pick.build), not \(expected.version)"
                        + (expected.build.map { " \($0)" } ?? ""))
            }
        }
        // A CUDA request answered with a CPU core, or another python: the variant it asked for.
        if let requested, let pick = picked.first(where: { $0.name == core }),
            let record = future[pick.subdir]?.values.first(where: {
                $0.name == pick.name && $0.version == pick.version && $0.build == pick.build
            })
        {
            let got = Variant(record)
            let flavourWrong =
                requested.flavour.map { asked in
                    got.flavour.map { !Variant.flavoursAgree($0, asked) } ?? true
                } ?? false
            let pythonWrong = requested.python.map { $0 != got.python } ?? false
            if flavourWrong || pythonWrong {
                wrong.append("picks \(core) \(pick.build) (\(got)), not the \(requested) asked for")
            }
        }
        return wrong.isEmpty ? nil : "\(self.name): " + wrong.joined(separator: "; ")
    }
}

/// One solve as the dry run shows it: what was asked, what the solver picked, how long it took
/// and the solver's peak memory once it was done.
package struct SolveReport: Sendable, Equatable, Codable {
    package var name: String
    package var subdir: String
    package var cell: String
    package var specs: [String]
    package var ok: Bool
    package var picked: [PickedPackage]
    /// The solver's explanation, or what the answer got wrong; nil when it holds.
    package var problem: String?
    package var seconds: Double
    /// The solver process's peak resident memory after this solve (nil when it cannot say).
    package var peakMemoryBytes: Int?

    package init(
        _ solve: PlannedSolve, ok: Bool, picked: [PickedPackage], problem: String?, seconds: Double,
        peakMemoryBytes: Int?
    ) {
        name = solve.name
        subdir = solve.subdir
        cell = solve.cell
        specs = solve.specs
        self.ok = ok
        self.picked = picked
        self.problem = problem
        self.seconds = seconds
        self.peakMemoryBytes = peakMemoryBytes
    }
}

/// The cost of one cell's solves: how many, their time together, and the solver's peak memory
/// by the last of them. It goes into the train's log with the release, and into `/metrics`.
package struct SolveFigure: Sendable, Equatable, Codable {
    package var cell: String
    package var solves: Int
    package var seconds: Double
    package var peakMemoryBytes: Int?

    enum CodingKeys: String, CodingKey {
        case cell, solves, seconds
        case peakMemoryBytes = "peak_memory_bytes"
    }

    package init(cell: String, solves: Int, seconds: Double, peakMemoryBytes: Int?) {
        self.cell = cell
        self.solves = solves
        self.seconds = seconds
        self.peakMemoryBytes = peakMemoryBytes
    }

    /// ` (solves: 0.412 s, peak 61 MB in linux-64/py3.11_cuda12.1; …)` for the log's line:
    /// the slowest cell and the largest peak, or nothing without figures.
    package static func summary(_ figures: [SolveFigure]) -> String {
        guard let slowest = figures.max(by: { $0.seconds < $1.seconds }) else { return "" }
        let total = figures.reduce(0) { $0 + $1.seconds }
        var text =
            " (solves took \(seconds(total)) s in all; slowest cell \(slowest.cell), \(seconds(slowest.seconds)) s"
        if let largest = figures.filter({ $0.peakMemoryBytes != nil }).max(by: {
            $0.peakMemoryBytes! < $1.peakMemoryBytes!
        }) {
            text += "; solver's peak memory \(largest.peakMemoryBytes! / 1_048_576) MiB"
        }
        return text + ")"
    }

    private static func seconds(_ value: Double) -> String {
        let milliseconds = Int((value * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// Per cell, in the order the cells were first solved.
    package static func of(_ reports: [SolveReport]) -> [SolveFigure] {
        var figures: [SolveFigure] = []
        var index: [String: Int] = [:]
        for report in reports {
            if let at = index[report.cell] {
                figures[at].solves += 1
                figures[at].seconds += report.seconds
                if let peak = report.peakMemoryBytes {
                    figures[at].peakMemoryBytes = max(figures[at].peakMemoryBytes ?? 0, peak)
                }
            } else {
                index[report.cell] = figures.count
                figures.append(
                    SolveFigure(
                        cell: report.cell, solves: 1, seconds: report.seconds, peakMemoryBytes: report.peakMemoryBytes))
            }
        }
        // Rounded as the solver reports them: milliseconds.
        return figures.map { figure in
            var figure = figure
            figure.seconds = (figure.seconds * 1000).rounded() / 1000
            return figure
        }
    }
}
