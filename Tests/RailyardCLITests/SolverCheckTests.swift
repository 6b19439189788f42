import Foundation
import Testing

/// The promotion asks a real conda solver (py-rattler, through the helper compiled into
/// Railyard) whether the future main installs what users will type; with no solver, the
/// catalog's `on_unavailable` decides.
@Suite("The solver check: py-rattler solves the future main before the flip")
struct SolverCheckTests {
    static let check = "a real solver installs what users will type from the future main"

    /// The small distribution with a `solver:` section.
    static func catalog(_ scratch: ChannelScratch, onUnavailable: String, solveWith: [String]) throws -> String {
        let text =
            try CondaPackages.smallCatalogText(
                solver: """

                    solver:
                      on_unavailable: \(onUnavailable)
                      solve_with: [\(solveWith.map { "\"\($0)\"" }.joined(separator: ", "))]

                    """)
        let path = scratch.path("distro.yml")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The small train staged, with kornia's new build needing `packaging`, which main lacks.
    static func staged(_ scratch: ChannelScratch, catalog: String) throws {
        try scratch.seedMain()
        try scratch.makeNewBuilds()
        try CondaPackages.make(
            scratch.path("new/noarch"), "kornia", "0.7.4", "pyhd_0", "noarch",
            depends: ["pytorch >=1.9.1,<2.7", "packaging"], noarch: "python")
        try scratch.driveToStaged(catalog: catalog)
    }

    /// A channel of repodata alone holding `packaging`, as users' other channels would.
    static func otherChannel(_ scratch: ChannelScratch) throws -> String {
        let other = scratch.path("other-channel")
        for subdir in ["linux-64", "osx-arm64", "noarch"] {
            try FileManager.default.createDirectory(atPath: other + "/" + subdir, withIntermediateDirectories: true)
            let packages =
                subdir == "noarch"
                ? #"{"packaging-24.0-pyhd_0.tar.bz2": {"name": "packaging", "version": "24.0", "build": "pyhd_0", "build_number": 0, "depends": [], "subdir": "noarch", "noarch": "python", "md5": "00000000000000000000000000000000", "sha256": "0000000000000000000000000000000000000000000000000000000000000000", "size": 0}}"#
                : "{}"
            try Data(#"{"info": {"subdir": "\#(subdir)"}, "packages": \#(packages), "packages.conda": {}}"#.utf8)
                .write(to: URL(fileURLWithPath: other + "/" + subdir + "/repodata.json"))
        }
        return other
    }

    /// `SCRATCH/bin/micromamba`: the stand-in for micromamba, by that name, as RAILYARD_SOLVER names it.
    static func fakeMicromamba(in scratch: ChannelScratch) throws -> String {
        try FileManager.default.createDirectory(atPath: scratch.path("bin"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: scratch.path("bin/micromamba"),
            withDestinationPath: CondaPackages.fixtures.appendingPathComponent("fake-micromamba.py").path)
        return scratch.path("bin/micromamba")
    }

    static func check(_ result: RailyardProcess.Result) throws -> [String: Any] {
        let object = try #require(
            try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "no answer (exit \(result.status)): \(result.stderr)")
        let checks = try #require(object["checks"] as? [[String: Any]])
        return try #require(checks.first { $0["name"] as? String == Self.check })
    }

    @Test(
        "kornia's missing packaging is named and refused; with solve_with holding it, the train installs",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func missingDependencyNamed() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let refused = try ChannelScratch()
        defer { refused.remove() }
        try Self.staged(refused, catalog: try Self.catalog(refused, onUnavailable: "fail-open", solveWith: []))
        let dryRun = try refused.run(["train", "promote", "2.6.0", "--as", "alice", "--json"])
        #expect(dryRun.status == 1)
        let failing = try Self.check(dryRun)
        #expect(failing["ok"] as? Bool == false)
        #expect((failing["detail"] as? String)?.contains("cannot be installed") == true, "\(failing)")
        #expect((failing["detail"] as? String)?.contains("packaging") == true, "\(failing)")
        // The text names it too, per solve.
        let text = try refused.run(["train", "promote", "2.6.0", "--as", "alice"])
        #expect(text.stdout.contains("[not ok] linux-64/any: pytorch with every member"), "\(text.stdout)")
        // The solve of kornia on its own names the member that cannot install; its companions install.
        #expect(text.stdout.contains("[not ok] linux-64/any: pytorch with kornia"), "\(text.stdout)")
        #expect(text.stdout.contains("[ok] linux-64/any: pytorch with its companions"), "\(text.stdout)")
        // fail-open: without a solver the check is not run, and the promotion may go.
        let unavailable = try refused.run(
            ["train", "promote", "2.6.0", "--as", "alice", "--json"], environment: ["RAILYARD_PYTHON": "no-such-python"]
        )
        let notRun = try Self.check(unavailable)
        #expect(notRun["ok"] as? Bool == true)
        #expect((notRun["detail"] as? String)?.hasPrefix("not run: no-such-python exited") == true, "\(notRun)")
        #expect(
            (notRun["detail"] as? String)?.hasSuffix("the catalog's choice when no solver can run: fail-open") == true)
        // Promoted so, the verdict and the choice stay in the train's log.
        try #require(
            try refused.run(
                ["train", "promote", "2.6.0", "--yes", "--as", "alice"],
                environment: ["RAILYARD_PYTHON": "no-such-python"]
            ).status == 0)
        let openLog = try refused.run(["train", "log", "2.6.0"]).stdout
        #expect(openLog.contains("promote: installability not run: no-such-python exited"), "\(openLog)")
        #expect(openLog.contains("the catalog's choice when no solver can run: fail-open"))

        // The same train where users also have a channel with packaging in it.
        let passes = try ChannelScratch()
        defer { passes.remove() }
        let other = try Self.otherChannel(passes)
        try Self.staged(passes, catalog: try Self.catalog(passes, onUnavailable: "fail-closed", solveWith: [other]))
        let ok = try passes.run(["train", "promote", "2.6.0", "--as", "alice", "--json"])
        #expect(ok.status == 0, "\(ok.stdout)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        let solves = try #require(object["solves"] as? [[String: Any]])
        #expect(
            solves.map { $0["name"] as? String ?? "?" }.sorted()
                == [
                    "linux-64/any: pytorch with every member", "linux-64/any: pytorch with its companions",
                    "linux-64/any: pytorch with kornia", "linux-64/any: pytorch torchvision (no version asked)",
                    "osx-arm64/any: pytorch with every member", "osx-arm64/any: pytorch with its companions",
                    "osx-arm64/any: pytorch with kornia", "osx-arm64/any: pytorch torchvision (no version asked)",
                ].sorted(),
            "per cell (a subdir each): the companions, kornia on its own, everyone at once, no version asked")
        // The cost per cell: the time of its solves and the solver's peak memory.
        let figures = try #require(object["solve_figures"] as? [[String: Any]])
        #expect(figures.map { $0["cell"] as? String } == ["linux-64/any", "osx-arm64/any"].map(Optional.some))
        #expect(figures.allSatisfy { $0["solves"] as? Int == 4 })
        #expect(figures.allSatisfy { ($0["peak_memory_bytes"] as? Int ?? 0) > 1_000_000 }, "\(figures)")
        // Through a server, the same dry run puts each cell's cost into /metrics.
        let secret = try #require(
            try passes.must(["token", "create", "--role", "release-manager", "--name", "alice"]).lines.last)
        let server = try ServerCLITests.Server(scratch: passes, catalog: passes.path("distro.yml"))
        let remote = try RailyardProcess.run(
            ["train", "promote", "2.6.0", "--server", server.url, "--token", secret, "--db", "/nonexistent/db"])
        #expect(remote.status == 0, "\(remote.stderr)")
        let metrics = try Tool.run("curl", ["-sf", server.url + "/metrics"]).stdout
        #expect(server.stop() == 0)
        for cell in ["linux-64/any", "osx-arm64/any"] {
            #expect(metrics.contains(#"railyard_solves{train="2.6.0",cell="\#(cell)"} 4"#), "\(metrics)")
            #expect(metrics.contains(#"railyard_solve_seconds{train="2.6.0",cell="\#(cell)"} "#))
            #expect(metrics.contains(#"railyard_solve_peak_memory_bytes{train="2.6.0",cell="\#(cell)"} "#))
        }
        #expect(solves.allSatisfy { $0["ok"] as? Bool == true })
        let picked = try #require(solves.first?["picked"] as? [[String: Any]])
        #expect(picked.contains { $0["name"] as? String == "pytorch" && $0["version"] as? String == "2.6.0" })
        #expect(solves.allSatisfy { ($0["seconds"] as? Double ?? -1) >= 0 })
        // fail-closed: without a solver, refused, saying why and what the catalog chose.
        let closed = try passes.run(
            ["train", "promote", "2.6.0", "--as", "alice", "--json"], environment: ["RAILYARD_PYTHON": "no-such-python"]
        )
        #expect(closed.status == 1)
        let notRunClosed = try Self.check(closed)
        #expect(notRunClosed["ok"] as? Bool == false)
        #expect(
            (notRunClosed["detail"] as? String)?.contains(
                "the catalog's choice when no solver can run: fail-closed (install py-rattler")
                == true)
        let refusedMove = try passes.run(
            ["train", "promote", "2.6.0", "--yes", "--as", "alice"], environment: ["RAILYARD_PYTHON": "no-such-python"])
        #expect(refusedMove.status == 1)
        #expect(try passes.json(["train", "status", "2.6.0"])["stage"] as? String == "staged")
        try passes.must(["train", "promote", "2.6.0", "--yes", "--as", "alice"])
        #expect(try passes.json(["train", "status", "2.6.0"])["stage"] as? String == "released")
        let log = try passes.run(["train", "log", "2.6.0"]).stdout
        #expect(log.contains("promote: installability passed: 6 solves by py-rattler"), "\(log)")
        #expect(log.contains("solves took"), "\(log)")
        #expect(log.contains("solver's peak memory"), "\(log)")
        #expect(try passes.run(["db", "verify"]).status == 0)
    }

    @Test(
        "a proposed patch that would break an install users make is reported failed, naming the solve it breaks",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func patchThatBreaksAnInstall() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        // fancy-ext is on main, outside the distribution, and pins pytorch with no bound; the
        // catalog says users install it with the new torch.
        try CondaPackages.make(
            scratch.channel + "/noarch", "fancy-ext", "1.0", "pyhd_0", "noarch", depends: ["pytorch"],
            noarch: "python")
        try scratch.releaseSmallTrain(installCheck: "pytorch fancy-ext")

        // Capped below 2.6 (nobody tested it with 2.6.0), fancy-ext would drag a user's
        // `pytorch fancy-ext` back to torch 2.5.1: the solver's check says so.
        let patches = try scratch.run(["channel", "patches", "--train", "2.6.0", "--json"])
        #expect(patches.status == 1, "a proposal that breaks an install is refused: \(patches.stdout)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(patches.stdout.utf8)) as? [String: Any])
        let affected = try #require(object["affected"] as? [[String: Any]])
        #expect(affected.map { $0["proposed"] as? String } == ["pytorch <2.6"])
        let check = try #require(object["check"] as? [String: Any])
        #expect(check["verdict"] as? String == "failed")
        let broken = try #require(check["broken"] as? [String])
        #expect(broken.count == 1)
        #expect(broken.first?.hasPrefix("linux-64: pytorch fancy-ext: picks pytorch 2.5.1") == true, "\(broken)")
        #expect((check["solves"] as? [String])?.contains("linux-64: pytorch fancy-ext") == true)
        let shown = try scratch.run(["channel", "patches", "--train", "2.6.0"])
        #expect(shown.stdout.contains("solver check: failed"), "\(shown.stdout)")
        #expect(shown.stdout.contains("  breaks linux-64: pytorch fancy-ext: picks pytorch 2.5.1"), "\(shown.stdout)")
        // With no solver, the proposal is shown with the verdict "not run".
        let unchecked = try scratch.run(
            ["channel", "patches", "--train", "2.6.0", "--json"], environment: ["RAILYARD_PYTHON": "no-such-python"])
        #expect(unchecked.status == 0)
        let notRun = try #require(try JSONSerialization.jsonObject(with: Data(unchecked.stdout.utf8)) as? [String: Any])
        #expect((notRun["check"] as? [String: Any])?["verdict"] as? String == "not run")
    }

    @Test(
        "RAILYARD_SOLVER=micromamba: the same contract through micromamba's create --dry-run --json, the same verdicts",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func micromambaAdapter() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        // micromamba is out of reach here (not on PyPI, not in Debian): a stand-in that answers
        // in micromamba's format, solving with py-rattler (Tests/Fixtures/fake-micromamba.py).
        let log = scratch.path("calls.jsonl")
        let micromamba = ["RAILYARD_SOLVER": try Self.fakeMicromamba(in: scratch), "FAKE_MICROMAMBA_LOG": log]
        try Self.staged(scratch, catalog: try Self.catalog(scratch, onUnavailable: "fail-closed", solveWith: []))

        let refused = try scratch.run(
            ["train", "promote", "2.6.0", "--as", "alice", "--json"], environment: micromamba)
        #expect(refused.status == 1)
        let failing = try Self.check(refused)
        #expect(failing["ok"] as? Bool == false)
        let detail = failing["detail"] as? String ?? ""
        #expect(detail.contains("pytorch with kornia: cannot be installed"), "\(detail)")
        #expect(detail.contains("packaging"), "\(detail)")
        // Each solve was one `create --dry-run --json` in a prefix never made, for the cell's
        // platform, with the cell's machine as overrides: no CUDA, glibc 2.28.
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(
            calls.count == 10,
            "two cells: three solves each, and what users type with no version against the future main and main now")
        let first = try #require(calls.first)
        let arguments = try #require(first["arguments"] as? [String])
        #expect(arguments.starts(with: ["create", "--dry-run", "--json", "--yes", "--prefix"]))
        #expect(arguments.contains("--override-channels") && arguments.contains("--strict-channel-priority"))
        #expect(arguments.contains { $0.hasPrefix("file://") && $0.contains("railyard-future-") })
        let platforms = Set(
            calls.compactMap { call -> String? in
                guard let arguments = call["arguments"] as? [String], let at = arguments.firstIndex(of: "--platform")
                else { return nil }
                return arguments[at + 1]
            })
        #expect(platforms == ["linux-64", "osx-arm64"])
        let environment = try #require(first["environment"] as? [String: String])
        #expect(environment["CONDA_OVERRIDE_CUDA"] == "")
        #expect(calls.contains { ($0["environment"] as? [String: String])?["CONDA_OVERRIDE_GLIBC"] == "2.28" })

        // With a channel that has packaging, the same train installs, by micromamba's word.
        let passes = try ChannelScratch()
        defer { passes.remove() }
        let micromambaHere = try Self.fakeMicromamba(in: passes)
        let other = try Self.otherChannel(passes)
        try Self.staged(passes, catalog: try Self.catalog(passes, onUnavailable: "fail-closed", solveWith: [other]))
        let ok = try passes.run(
            ["train", "promote", "2.6.0", "--as", "alice", "--json"],
            environment: ["RAILYARD_SOLVER": micromambaHere])
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(
            (try Self.check(ok)["detail"] as? String)?.hasPrefix("6 solves by micromamba 2.0.5: each installs") == true)
        // A program that is not there: not run, and fail-closed refuses, saying what to do.
        let missing = try passes.run(
            ["train", "promote", "2.6.0", "--as", "alice", "--json"], environment: ["RAILYARD_SOLVER": "no-such-conda"])
        #expect(missing.status == 1)
        #expect(
            (try Self.check(missing)["detail"] as? String)?.hasPrefix("not run: no-such-conda is not on PATH") == true)
    }

    @Test(
        "solve_with over HTTP: fetched once, then revalidated by its ETag (a 304 reuses the copy); unreachable, not run",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func solveWithOverHTTP() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        // Users' other channel, served over HTTP by a Railyard server (with ETags).
        let mirror = try ChannelScratch()
        defer { mirror.remove() }
        let other = try Self.otherChannel(mirror)
        for subdir in ["linux-64", "osx-arm64", "noarch"] {
            try FileManager.default.createDirectory(
                atPath: mirror.channel + "/" + subdir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: other + "/" + subdir + "/repodata.json",
                toPath: mirror.channel + "/" + subdir + "/repodata.json")
        }
        _ = try mirror.must(["token", "create", "--role", "read-only", "--name", "reader"])
        let server = try ServerCLITests.Server(scratch: mirror, catalog: CondaPackages.smallCatalog)
        var stopped = false
        defer { if !stopped { _ = server.stop() } }

        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try Self.staged(
            scratch,
            catalog: try Self.catalog(scratch, onUnavailable: "fail-closed", solveWith: [server.url + "/channel"]))
        let cache = ["RAILYARD_SOLVER_CACHE": scratch.path("cache")]
        func notModified() throws -> Int {
            let metrics = try Tool.run("curl", ["-sf", server.url + "/metrics"]).stdout
            let line = metrics.split(separator: "\n").first {
                $0.hasPrefix(#"railyard_http_requests_total{method="GET",status="304"}"#)
            }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        let first = try scratch.run(["train", "promote", "2.6.0", "--as", "alice", "--json"], environment: cache)
        #expect(first.status == 0, "\(first.stdout)")
        // The dry run asks twice (the future main, and main now for what users get with no
        // version): the second asking already revalidates each of the three subdirs.
        #expect(try notModified() == 3)
        let kept = try FileManager.default.subpathsOfDirectory(atPath: scratch.path("cache"))
        #expect(kept.filter { $0.hasSuffix("/repodata.json.etag") }.count == 3, "\(kept)")
        // Again: each subdir's repodata is asked for with If-None-Match and answered 304.
        let second = try scratch.run(["train", "promote", "2.6.0", "--as", "alice", "--json"], environment: cache)
        #expect(second.status == 0, "\(second.stdout)")
        #expect(try notModified() == 9)
        // The channel unreachable: the check is not run, and fail-closed refuses, naming the URL.
        #expect(server.stop() == 0)
        stopped = true
        let offline = try scratch.run(["train", "promote", "2.6.0", "--as", "alice", "--json"], environment: cache)
        #expect(offline.status == 1)
        let detail = try Self.check(offline)["detail"] as? String ?? ""
        #expect(detail.hasPrefix("not run: ") && detail.contains("a channel of solve_with cannot be read"), "\(detail)")
        #expect(detail.contains(server.url + "/channel/"), "\(detail)")
    }

    @Test(
        "a torchvision whose dependency conflicts with the core's pins is refused before the flip, with the solver's reason",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func conflictingCompanion() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        // torch 2.6.0 needs numpy >=1.23; this torchvision 0.21.0 pins numpy below 1.20. Each
        // pairs with the other by their own specs, and each installs on its own.
        for subdir in ["linux-64", "osx-arm64"] {
            try CondaPackages.make(
                scratch.path("new/\(subdir)"), "pytorch", "2.6.0", "py311_0", subdir, depends: ["numpy >=1.23"])
            try CondaPackages.make(
                scratch.path("new/\(subdir)"), "torchvision", "0.21.0", "py311_0", subdir,
                depends: ["pytorch 2.6.0.*", "numpy <1.20"])
        }
        try CondaPackages.make(
            scratch.path("new/noarch"), "kornia", "0.7.4", "pyhd_0", "noarch", depends: ["pytorch >=1.9.1,<2.7"],
            noarch: "python")
        // Users' other channel has numpy 1.19 and 1.26.
        let other = scratch.path("numpy-channel")
        for subdir in ["linux-64", "osx-arm64", "noarch"] {
            try FileManager.default.createDirectory(atPath: other + "/" + subdir, withIntermediateDirectories: true)
            var packages: [String: Any] = [:]
            if subdir != "noarch" {
                for version in ["1.19.5", "1.26.4"] {
                    packages["numpy-\(version)-0.tar.bz2"] = [
                        "name": "numpy", "version": version, "build": "0", "build_number": 0, "depends": [],
                        "subdir": subdir, "md5": String(repeating: "0", count: 32),
                        "sha256": String(repeating: "0", count: 64), "size": 0,
                    ]
                }
            }
            try JSONSerialization.data(withJSONObject: [
                "info": ["subdir": subdir], "packages": packages, "packages.conda": [:],
            ]).write(to: URL(fileURLWithPath: other + "/" + subdir + "/repodata.json"))
        }
        try scratch.driveToStaged(
            catalog: try Self.catalog(scratch, onUnavailable: "fail-closed", solveWith: [other]))
        let dryRun = try scratch.run(["train", "promote", "2.6.0", "--as", "alice", "--json"])
        #expect(dryRun.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dryRun.stdout.utf8)) as? [String: Any])
        let checks = try #require(object["checks"] as? [[String: Any]])
        // The variant matrix and the home-made check pass: only a solve sees the conflict.
        #expect(checks.filter { $0["ok"] as? Bool == false }.map { $0["name"] as? String } == [Self.check])
        let solves = try #require(object["solves"] as? [[String: Any]])
        let companions = try #require(
            solves.first { $0["name"] as? String == "linux-64/any: pytorch with its companions" })
        #expect(companions["ok"] as? Bool == false)
        let problem = companions["problem"] as? String ?? ""
        #expect(problem.contains("cannot be installed"), "\(problem)")
        #expect(problem.contains("numpy"), "the solver's reason names numpy: \(problem)")
        // kornia with the core alone installs: the failure is torchvision's.
        #expect(solves.first { $0["name"] as? String == "linux-64/any: pytorch with kornia" }?["ok"] as? Bool == true)
        let refused = try scratch.run(["train", "promote", "2.6.0", "--yes", "--as", "alice"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("promotion refused: a real solver installs what users will type"))
        #expect(try scratch.json(["train", "status", "2.6.0"])["stage"] as? String == "staged")
    }
}
