import Foundation
import Testing

/// The real torch 2.1.0 release, replayed through Railyard on tiny package files that carry
/// the real records (`Tests/Fixtures/pytorch-2.1.0-records.json`): 12 builds each of pytorch,
/// torchvision and torchaudio, torchtriton in lockstep with pytorch, pytorch-cuda 12.1 staged
/// as a support member. A missing variant is refused by name; staged later, it joins the build;
/// promoted, py-rattler solves every cell to its CUDA or CPU builds.
@Suite("The real 2.1.0 release: a matrix, staged, checked and promoted")
struct RealReleaseMatrixTests {
    static let records = CondaPackages.fixtures.appendingPathComponent("pytorch-2.1.0-records.json")

    static let catalog = """
        distribution: pytorch
        channel: pytorch
        core: pytorch
        subdirs: [linux-64, noarch]
        release_managers: [alice]
        contacts:
          alice: {email: alice@example.org}
          team: {email: team@example.org}
        lockstep:
          - [pytorch, torchtriton]
        variants:
          cells:
            linux-64: {python: ["3.8", "3.9", "3.10", "3.11"], flavours: [cpu, cuda11.8, cuda12.1]}
        packages:
          pytorch:
            version: 2.0.1
            maintainers: [alice]
            depends: ["torchtriton 2.0.0", "pytorch-cuda >=11.7,<11.9", "pytorch-mutex 1.0"]
          torchtriton:
            version: 2.0.0
            companion: true
            depends: [pytorch]
            maintainers: [alice]
          torchvision:
            version: 0.15.2
            companion: true
            abi: true
            depends: ["pytorch 2.0.1"]
            maintainers: [team]
          torchaudio:
            version: 2.0.2
            companion: true
            abi: true
            depends: ["pytorch 2.0.1"]
            maintainers: [team]
          pytorch-cuda: {version: "11.8", support: true, maintainers: [alice]}
          pytorch-mutex: {version: "1.0", support: true, maintainers: [alice]}
          cpuonly: {version: "2.0", support: true, maintainers: [alice], depends: ["pytorch-mutex 1.0 cpu"]}

        """

    /// The fixture's records as package files under `scratch/real/SUBDIR`, except those `main`
    /// already has (pytorch-cuda 11.8, the mutex, cpuonly), which go to the channel.
    static func makePackages(_ scratch: ChannelScratch) throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: records)) as? [String: Any])
        let onMain: Set<String> = [
            "pytorch-cuda-11.8-h7e8668a_5.tar.bz2", "pytorch-mutex-1.0-cpu.tar.bz2", "pytorch-mutex-1.0-cuda.tar.bz2",
            "cpuonly-2.0-0.tar.bz2", "torchtriton-2.0.0-py38.tar.bz2", "torchtriton-2.0.0-py39.tar.bz2",
            "torchtriton-2.0.0-py310.tar.bz2", "torchtriton-2.0.0-py311.tar.bz2",
        ]
        var specs: [[String: Any]] = []
        for subdir in ["linux-64", "noarch"] {
            for (file, value) in try #require(object[subdir] as? [String: [String: Any]]) {
                var spec: [String: Any] = [
                    "out": onMain.contains(file) ? scratch.channel + "/" + subdir : scratch.path("real/" + subdir),
                    "name": value["name"]!, "version": value["version"]!, "build": value["build"]!,
                    "subdir": subdir, "depends": value["depends"] ?? [], "build_number": value["build_number"]!,
                    "format": "tar.bz2",
                ]
                if let noarch = value["noarch"] { spec["noarch"] = noarch }
                var index: [String: Any] = [:]
                for key in ["constrains", "track_features"] { index[key] = value[key] }
                spec["index"] = index
                specs.append(spec)
            }
        }
        try FileManager.default.createDirectory(atPath: scratch.path("real"), withIntermediateDirectories: true)
        try CondaPackages.batch(specs, in: scratch.directory)
        try scratch.must(["channel", "index"])
        // What a user's other channels give: python, numpy, the CUDA libraries, as repodata.
        let stubs = try Tool.run(
            "python3",
            [
                CondaPackages.fixtures.appendingPathComponent("stub-externals.py").path, records.path,
                scratch.path("externals"),
            ])
        try #require(stubs.status == 0, "stub-externals.py: \(stubs.stderr)")
    }

    static func files(_ scratch: ChannelScratch, _ prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: scratch.path("real/linux-64"))
            .filter { $0.hasPrefix(prefix) }.sorted().map { scratch.path("real/linux-64/" + $0) }
    }

    /// Passes every test on offer and advances until the train is staged with RC 1 final.
    static func driveToStaged(_ scratch: ChannelScratch) throws {
        for _ in 0..<6 {
            try scratch.passEverything(train: "2.1.0")
            let stage = try scratch.json(["train", "status", "2.1.0"])["stage"] as? String
            if stage == "staged" { break }
            try scratch.must(["train", "advance", "2.1.0", "--as", "alice"])
        }
        try scratch.passEverything(train: "2.1.0")
        try scratch.must(["train", "final", "2.1.0", "--rc", "1", "--as", "alice"])
    }

    @Test(
        "a missing torchvision cell is refused by name; staged later it joins the build; promoted, every cell solves to its builds",
        .enabled(if: Tool.hasRattler || Tool.inCI, "needs py-rattler (pip install py-rattler)"))
    func realRelease() throws {
        try #require(Tool.hasRattler, "py-rattler is missing in CI: .ci/run installs it")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try Self.makePackages(scratch)
        // The promotion asks py-rattler, with the stub channel of what users' other channels give.
        let solver = """
            solver:
              on_unavailable: fail-closed
              solve_with: ["\(scratch.path("externals"))"]
              install_checks:
                - {subdir: linux-64, specs: "pytorch torchvision pytorch-cuda=12.1 python=3.11"}
                - {subdir: linux-64, specs: "pytorch torchvision torchaudio cpuonly python=3.9"}

            """
        try Data((Self.catalog + solver).utf8).write(to: URL(fileURLWithPath: scratch.path("distro.yml")))

        try scratch.must(["train", "create", "2.1.0", "--catalog", scratch.path("distro.yml"), "--as", "alice"])
        let members = try #require(try scratch.json(["train", "status", "2.1.0"])["members"] as? [[String: Any]])
        let waves = Dictionary(uniqueKeysWithValues: members.map { ($0["name"] as! String, $0["wave"] as! Int) })
        #expect(waves["torchtriton"] == 1, "the lockstep group is one wave: \(waves)")
        #expect(members.filter { $0["reason"] as? String == "support" }.count == 3)

        try scratch.must(
            ["train", "rc", "2.1.0", "--number", "1"] + (try Self.files(scratch, "pytorch-2.1.0-")) + ["--as", "alice"])
        try scratch.must(["train", "advance", "2.1.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.1.0", "--as", "alice"])
        // pytorch-cuda 12.1 is new with this release: a support member, staged with it.
        try scratch.must([
            "stage", scratch.path("real/linux-64/pytorch-cuda-12.1-ha16c6d3_5.tar.bz2"), "--train", "2.1.0", "--as",
            "alice",
        ])
        try scratch.must(["stage", "--train", "2.1.0", "--as", "alice"] + (try Self.files(scratch, "torchtriton-")))
        try scratch.must(["stage", "--train", "2.1.0", "--as", "team"] + (try Self.files(scratch, "torchaudio-")))
        // torchvision without its python 3.11 / CUDA 12.1 build, in two uploads: they join.
        let vision = try Self.files(scratch, "torchvision-").filter { !$0.hasSuffix("py311_cu121.tar.bz2") }
        try scratch.must(["stage", "--train", "2.1.0", "--as", "team"] + vision.prefix(6))
        try scratch.must(["stage", "--train", "2.1.0", "--as", "team"] + vision.dropFirst(6))
        try scratch.passEverything(train: "2.1.0")

        // The gate names the cell torchvision lacks; the dry run's matrix shows the gap.
        let gate = try scratch.run(["train", "advance", "2.1.0", "--as", "alice"])
        #expect(gate.status == 1)
        #expect(gate.stderr.contains("torchvision (built; no build for linux-64/py3.11_cuda12.1)"), "\(gate.stderr)")
        let refused = try scratch.run(["train", "promote", "2.1.0", "--as", "alice"])
        #expect(refused.status == 1)
        #expect(
            refused.stdout.contains(
                "torchvision 0.16.0: no build for pytorch py3.11_cuda12.1_cudnn8.9.2_0 (linux-64, python 3.11, cuda 12.1)"
            ),
            "\(refused.stdout)")
        // The solver finds the same gap from the user's side: what a CUDA 12.1 user on python 3.11
        // types would install CPU torch, and says so.
        #expect(
            refused.stdout.contains(
                "linux-64: pytorch torchvision pytorch-cuda=12.1 python=3.11: picks pytorch py3.11_cpu_0"
                    + " (linux-64, python 3.11, cpu), not the linux-64, python 3.11, cuda 12.1 asked for"),
            "\(refused.stdout)")
        // The dry run's matrix: the core build's row, torchvision's cell MISSING.
        let row = refused.stdout.split(separator: "\n").first { $0.contains("linux-64 py3.11_cuda12.1_cudnn8.9.2_0") }
        #expect(row?.hasSuffix("MISSING") == true, "\(refused.stdout)")
        let matrix = try scratch.json(["train", "matrix", "2.1.0"])
        #expect(matrix["complete"] as? Bool == false)
        #expect((matrix["rows"] as? [[String: Any]])?.count == 12)
        #expect(try scratch.run(["train", "matrix", "2.1.0"]).status == 1)

        // A CUDA 12.1 runner pool is handed exactly that build, with the specs that pin its cell.
        let claim = try scratch.json([
            "ci", "claim", "--train", "2.1.0", "--kind", "build", "--subdir", "linux-64", "--variant", "cuda12.1",
            "--as", "gpu-1",
        ])
        let work = try #require(claim["work"] as? [String: Any])
        #expect(work["package"] as? String == "torchvision")
        #expect(work["cell"] as? String == "linux-64/py3.11_cuda12.1")
        #expect(
            work["specs"] as? [String] == [
                "pytorch 2.1.0 py3.11_cuda12.1_cudnn8.9.2_0", "torchvision 0.16.0", "python 3.11.*",
            ])
        #expect(work["labels"] as? [String] == ["train-2.1.0", "main"])

        // The missing variant, staged, joins torchvision's build of 11 files; its build reported.
        try scratch.must([
            "stage", scratch.path("real/linux-64/torchvision-0.16.0-py311_cu121.tar.bz2"), "--train", "2.1.0", "--as",
            "team",
        ])
        try scratch.must(["ci", "report", try #require(work["id"] as? String), "--result", "passed", "--as", "gpu-1"])
        let staged = try #require(try scratch.json(["train", "status", "2.1.0"])["members"] as? [[String: Any]])
        #expect(staged.first { $0["name"] as? String == "torchvision" }?["state"] as? String == "built")
        try Self.driveToStaged(scratch)
        let dryRun = try scratch.json(["train", "promote", "2.1.0", "--as", "alice"])
        #expect(dryRun["ok"] as? Bool == true, "\(dryRun["checks"] ?? "")")
        let gains = try #require(dryRun["gains"] as? [String: [[String: Any]]])
        let names = (gains["linux-64"] ?? []).compactMap { $0["file"] as? String }
        #expect(names.filter { $0.hasPrefix("torchvision-") }.count == 12)
        #expect(names.filter { $0.hasPrefix("torchaudio-") }.count == 12)
        #expect(names.filter { $0.hasPrefix("pytorch-2.1.0-") }.count == 12)
        #expect(names.filter { $0.hasPrefix("torchtriton-") }.count == 4)
        #expect(names.contains("pytorch-cuda-12.1-ha16c6d3_5.tar.bz2"))
        // Every solve of every cell, and the catalog's install checks, install the train's builds.
        let solves = try #require(dryRun["solves"] as? [[String: Any]])
        // Per cell: the companions, everyone at once, and what users type with no version; and
        // the catalog's two install checks.
        #expect(solves.count == 12 * 3 + 2)
        #expect(solves.allSatisfy { $0["ok"] as? Bool == true }, "\(solves.filter { $0["ok"] as? Bool != true })")
        let cuda121 = try #require(
            solves.first { $0["name"] as? String == "linux-64: pytorch torchvision pytorch-cuda=12.1 python=3.11" })
        let picks = try #require(cuda121["picked"] as? [[String: Any]])
        #expect(
            picks.contains {
                $0["name"] as? String == "pytorch" && $0["build"] as? String == "py3.11_cuda12.1_cudnn8.9.2_0"
            })
        let generation = try #require(dryRun["main_generation"] as? Int)
        try scratch.must(["train", "promote", "2.1.0", "--yes", "--expect-main", String(generation), "--as", "alice"])

        // The patches proposed after the release never cap the train's own builds: torchtriton
        // 2.1.0 depends on `pytorch` unbounded, and capping it below 2.1 would leave every CUDA
        // torch 2.1.0 uninstallable.
        let patches = try scratch.json(["channel", "patches", "--train", "2.1.0"])
        let affected = try #require(patches["affected"] as? [[String: Any]])
        #expect(!affected.contains { ($0["file"] as? String)?.hasPrefix("torchtriton-2.1.0") == true }, "\(affected)")
        // torchtriton 2.0.0, on main before the release, pins pytorch unbounded and was never
        // tested with 2.1.0: it is capped below 2.1.
        #expect(
            affected.compactMap { $0["file"] as? String }.sorted() == [
                "torchtriton-2.0.0-py310.tar.bz2", "torchtriton-2.0.0-py311.tar.bz2", "torchtriton-2.0.0-py38.tar.bz2",
                "torchtriton-2.0.0-py39.tar.bz2",
            ])
        #expect(affected.allSatisfy { $0["proposed"] as? String == "pytorch <2.1" }, "\(affected)")
        // The proposal is checked by the solver: applied to main, every cell's solves still install,
        // the CUDA ones included, and it names the solves it was checked with.
        let check = try #require(patches["check"] as? [String: Any], "\(patches)")
        #expect(check["verdict"] as? String == "passed", "\(check)")
        let checkedWith = try #require(check["solves"] as? [String])
        #expect(checkedWith.filter { $0.contains("_cuda12.1:") }.count == 4 * 2, "\(checkedWith)")
        #expect(checkedWith.contains("linux-64: pytorch torchvision pytorch-cuda=12.1 python=3.11"))

        // What a CUDA user types gets CUDA builds, not the CPU ones.
        let externals = "file://" + scratch.path("externals")
        let cuda = try scratch.solveBuilds(
            [["pytorch=2.1.0", "torchvision", "pytorch-cuda=12.1", "python=3.11"]], also: [externals])[0]
        #expect(cuda["pytorch"] == "py3.11_cuda12.1_cudnn8.9.2_0", "\(cuda)")
        #expect(cuda["torchvision"] == "py311_cu121", "\(cuda)")
        #expect(cuda["pytorch-mutex"] == "cuda")
        // Every core build, as a user asks for it (python, then pytorch-cuda or cpuonly), with
        // torchvision and torchaudio: that build, and the matching cell of each.
        let builds = try Self.files(scratch, "pytorch-2.1.0-").map {
            String(
                URL(fileURLWithPath: $0).lastPathComponent.dropFirst("pytorch-2.1.0-".count).dropLast(".tar.bz2".count))
        }
        #expect(builds.count == 12)
        func pythonOf(_ build: String) -> String { String(build.dropFirst(2).prefix { $0 != "_" }) }
        func cudaOf(_ build: String) -> String? {
            build.contains("cuda12.1") ? "12.1" : build.contains("cuda11.8") ? "11.8" : nil
        }
        let solved = try scratch.solveBuilds(
            builds.map { build in
                ["pytorch=2.1.0", "torchvision", "torchaudio", "python=\(pythonOf(build))"]
                    + [cudaOf(build).map { "pytorch-cuda=\($0)" } ?? "cpuonly"]
            }, also: [externals])
        for (build, picked) in zip(builds, solved) {
            let python = pythonOf(build).replacingOccurrences(of: ".", with: "")
            let flavour = cudaOf(build).map { "cu" + $0.replacingOccurrences(of: ".", with: "") } ?? "cpu"
            #expect(picked["pytorch"] == build)
            #expect(picked["torchvision"] == "py\(python)_\(flavour)", "\(build): \(picked)")
            #expect(picked["torchaudio"] == "py\(python)_\(flavour)", "\(build): \(picked)")
        }
    }
}

extension ChannelScratch {
    /// Passes every test and the all-together run of `train`.
    func passEverything(train: String) throws {
        while true {
            var claimed = try must(["ci", "claim", "--train", train, "--as", "ci", "--kind", "test"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if claimed.isEmpty {
                claimed = try must(["ci", "claim", "--train", train, "--as", "ci", "--kind", "integration"])
                    .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if claimed.isEmpty { return }
            try must(["ci", "report", claimed, "--result", "passed", "--as", "ci"])
        }
    }

    /// Solves each list of specs against `main` and the channels `also` for linux-64, in one
    /// py-rattler process: for each, the build string picked per package name.
    func solveBuilds(_ specLists: [[String]], also: [String]) throws -> [[String: String]] {
        let program = """
            import asyncio, json, os, sys, tempfile, rattler
            async def main():
                gateway = rattler.Gateway(cache_dir=tempfile.mkdtemp())
                sources = json.loads(sys.argv[1])
                for specs in json.loads(sys.argv[2]):
                    records = await rattler.solve(sources=sources, specs=specs, gateway=gateway,
                        platforms=["linux-64", "noarch"], virtual_packages=[])
                    print(json.dumps({r.name.normalized: str(r.build) for r in records}))
            asyncio.run(main())
            sys.stdout.flush()
            os._exit(0)
            """
        let sources = String(
            decoding: try JSONSerialization.data(withJSONObject: ["file://" + channel] + also), as: UTF8.self)
        let lists = String(decoding: try JSONSerialization.data(withJSONObject: specLists), as: UTF8.self)
        let result = try Tool.run("python3", ["-c", program, sources, lists])
        try #require(result.status == 0, "rattler could not solve: \(result.stderr)")
        return try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
    }
}

@Suite("A new train after an abort, through the CLI and the channel")
struct TrainAfterAbortTests {
    @Test("abort 2.6.0, create it again: 2.6.0-2, on its own staging label; 2.6.0 means it, 2.6.0-1 the aborted one")
    func newTrainAfterAbort() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.seedMain()
        try scratch.makeNewBuilds()
        try scratch.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        let rc = [
            scratch.path("new/linux-64/pytorch-2.6.0-py311_0.conda"),
            scratch.path("new/osx-arm64/pytorch-2.6.0-py311_0.conda"),
        ]
        try scratch.must(["train", "rc", "2.6.0", "--number", "1"] + rc + ["--as", "alice"])
        let again = try scratch.run([
            "train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice",
        ])
        #expect(again.status == 1)
        #expect(again.stderr.contains("a train 2.6.0 already exists"))
        try scratch.must(["train", "abort", "2.6.0", "--reason", "a regression in RC 1", "--as", "alice"])

        let created = try scratch.json([
            "train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice",
        ])
        #expect(created["train"] as? String == "2.6.0-2")
        try scratch.must(["train", "rc", "2.6.0", "--number", "1"] + rc + ["--as", "alice"])
        let status = try scratch.json(["train", "status", "2.6.0"])
        #expect(status["train"] as? String == "2.6.0-2")
        #expect(status["stage"] as? String == "planned")
        #expect(status["rc"] as? Int == 1)
        #expect(try scratch.json(["train", "status", "2.6.0-1"])["stage"] as? String == "aborted")
        let list = try #require(try scratch.json(["train", "list"])["trains"] as? [[String: Any]])
        #expect(Set(list.compactMap { $0["train"] as? String }) == ["2.6.0", "2.6.0-2"])
        // Each train has its own staging label.
        let labels = try FileManager.default.contentsOfDirectory(atPath: scratch.channel + "/label")
        #expect(Set(labels).isSuperset(of: ["train-2.6.0", "train-2.6.0-2"]))
        #expect(try scratch.solve(["pytorch"], label: "train-2.6.0-2") == ["pytorch": "2.6.0"])
    }
}
