import Foundation
import RailyardCore
import Testing

/// Work per cell: a companion is built and tested in every cell of the RC (python × CUDA/CPU
/// × subdir), a downstream member once per subdir; a member passes when every cell it must
/// pass has passed, and one failed cell fails it, naming the cell.
struct TrainCellWorkTests {
    static let catalogText =
        TestCatalogs.yaml([
            ("pytorch", "2.0.1", []),
            ("torchvision", "0.15.2", ["companion: true", "abi: true", "depends: [\"pytorch 2.0.1\"]"]),
            ("kornia", "0.7.0", ["depends: [\"pytorch >=1.9,<3\"]"]),
        ]).replacingOccurrences(
            of: "release_managers", with: "subdirs: [linux-64, osx-arm64, noarch]\nrelease_managers")

    /// Four real linux-64 builds (python 3.10, 3.11 × CPU, CUDA 12.1) and one osx-arm64 CPU build.
    static let coreBuilds: [PackageRecord] = {
        var records = RealPytorchRecords.records("pytorch").filter {
            ["py3.10_cpu_0", "py3.11_cpu_0", "py3.10_cuda12.1_cudnn8.9.2_0", "py3.11_cuda12.1_cudnn8.9.2_0"]
                .contains($0.build)
        }
        var mac = RealPytorchRecords.record("pytorch-2.1.0-py3.11_cpu_0.tar.bz2")
        mac.subdir = "osx-arm64"
        mac.sha256 = "osx-arm64-" + mac.sha256
        records.append(mac)
        return records
    }()

    static func script(exempt: String? = nil) throws -> TrainScript {
        var text = catalogText
        if let exempt {
            text = text.replacingOccurrences(
                of: "    depends: [\"pytorch 2.0.1\"]",
                with:
                    "    depends: [\"pytorch 2.0.1\"]\n    exempt:\n      - {cells: \"\(exempt)\", reason: \"no such wheels\"}"
            )
        }
        var script = try TrainScript(catalogText: text, version: "2.1.0")
        try script.must(.registerRC(number: 1, artifacts: coreBuilds.map { Artifact($0) }))
        try script.must(.advance)
        try script.must(.advance)
        return script
    }

    static let runner = TrainScript.runner

    /// torchvision's real builds for the four linux-64 cells, and one for the osx-arm64 cell.
    static let visionBuilds: [PackageRecord] = {
        var records = RealPytorchRecords.records("torchvision").filter {
            ["py310_cpu", "py311_cpu", "py310_cu121", "py311_cu121"].contains($0.build)
        }
        var mac = RealPytorchRecords.record("torchvision-0.16.0-py311_cpu.tar.bz2")
        mac.subdir = "osx-arm64"
        mac.sha256 = "osx-arm64-" + mac.sha256
        records.append(mac)
        return records
    }()

    static let registerVision = TrainCommand.registerBuild(
        member: "torchvision", version: try! Version("0.16.0"), depends: ["pytorch 2.1.0"],
        artifacts: visionBuilds.map { Artifact($0) })

    @Test(
        "the RC's cells: each distinct variant of the core's builds; a companion needs all, a downstream member one per subdir"
    )
    func cellsOfTheRC() throws {
        let script = try Self.script()
        #expect(
            script.train.cells.map(\.key) == [
                "linux-64/py3.10_cpu", "linux-64/py3.10_cuda12.1", "linux-64/py3.11_cpu", "linux-64/py3.11_cuda12.1",
                "osx-arm64/py3.11_cpu",
            ])
        let vision = try #require(script.train.member("torchvision"))
        #expect(script.train.requiredCells(of: vision).count == 5)
        let kornia = try #require(script.train.member("kornia"))
        #expect(script.train.requiredCells(of: kornia).map(\.key) == ["linux-64/any", "osx-arm64/any"])
        let exempt = try Self.script(exempt: "osx-arm64")
        #expect(exempt.train.requiredCells(of: try #require(exempt.train.member("torchvision"))).count == 4)
    }

    @Test("a GPU pool claims only CUDA cells of its subdir; each claim names its cell, its specs and labels")
    func poolsClaimTheirCells() throws {
        var script = try Self.script()
        try script.must(Self.registerVision, by: TrainScript.team)
        let events = try script.must(
            .claimWork(kind: .test, member: nil, subdir: "linux-64", variant: "cuda12.1", leaseSeconds: 600),
            by: Self.runner)
        let claim = try #require(
            events.compactMap { event -> WorkClaim? in
                if case .workClaimed(let claim) = event { return claim }
                return nil
            }.first)
        #expect(claim.cell == "linux-64/py3.10_cuda12.1")
        #expect(claim.id == "2.1.0:test:torchvision:linux-64+py3.10_cuda12.1:rc1")
        #expect(
            script.train.specs(for: "torchvision", in: claim.cell) == [
                "pytorch 2.1.0 py3.10_cuda12.1_cudnn8.9.2_0", "torchvision 0.16.0", "python 3.10.*",
            ])
        #expect(script.train.stagingLabel == "train-2.1.0")
        let second = try script.must(
            .claimWork(kind: .test, member: nil, subdir: "linux-64", variant: "cuda12.1", leaseSeconds: 600),
            by: Self.runner)
        #expect(
            second.contains { if case .workClaimed(let c) = $0 { c.cell == "linux-64/py3.11_cuda12.1" } else { false } }
        )
        // The pool has nothing more: the CPU and macOS cells are for other pools.
        let none = try script.must(
            .claimWork(kind: .test, member: nil, subdir: "linux-64", variant: "cuda12.1", leaseSeconds: 600),
            by: Self.runner)
        #expect(none.isEmpty)
        let mac = try script.must(
            .claimWork(kind: .test, member: nil, subdir: "osx-arm64", variant: nil, leaseSeconds: 600), by: Self.runner)
        #expect(mac.contains { if case .workClaimed(let c) = $0 { c.cell == "osx-arm64/py3.11_cpu" } else { false } })
    }

    @Test(
        "a member passes only when every cell passed; one failed cell fails it, named; a retry of that cell passes it")
    func passesCellByCell() throws {
        var script = try Self.script()
        try script.must(Self.registerVision, by: TrainScript.team)
        let cells = script.train.requiredCells(of: script.train.member("torchvision")!).map(\.key)
        for cell in cells.dropLast() {
            try script.must(.startTest(member: "torchvision", cell: cell), by: Self.runner)
            try script.must(
                .reportTest(member: "torchvision", rc: 1, passed: true, log: nil, cell: cell), by: Self.runner)
            #expect(script.state("torchvision") == .built, "\(cell)")
        }
        #expect(!script.train.gateHolds(leaving: .companions))
        let last = cells.last!
        try script.must(.startTest(member: "torchvision", cell: last), by: Self.runner)
        try script.must(
            .reportTest(member: "torchvision", rc: 1, passed: false, log: "segfault in nms", cell: last),
            by: Self.runner)
        #expect(script.state("torchvision") == .failed)
        let member = try #require(script.train.member("torchvision"))
        #expect(member.result?.log == "segfault in nms")
        #expect(member.result?.cell == "osx-arm64/py3.11_cpu")
        let blocked = script.train.blockedReasons(of: member, at: script.now)
        #expect(blocked.first?.detail == "test failed against RC 1 in osx-arm64/py3.11_cpu; log: segfault in nms")
        // Work offers no failed cell unless asked by name.
        #expect(script.train.testOffers(by: Self.runner, at: script.now).isEmpty)
        #expect(
            script.train.testOffers(retrying: "torchvision", by: Self.runner, at: script.now).map(\.cell?.key) == [last]
        )
        try script.must(.startTest(member: "torchvision", cell: last), by: Self.runner)
        #expect(script.state("torchvision") == .failed, "a failed cell keeps the member failed while it is retried")
        try script.must(.reportTest(member: "torchvision", rc: 1, passed: true, log: nil, cell: last), by: Self.runner)
        #expect(script.state("torchvision") == .passed)
        #expect(script.train.gateHolds(leaving: .companions))
        #expect(script.replayed == script.train)
    }

    @Test("a cell the member does not have is refused, naming its cells")
    func unknownCell() throws {
        var script = try Self.script(exempt: "osx-arm64")
        try script.must(Self.registerVision, by: TrainScript.team)
        let refused = script.run(.startTest(member: "torchvision", cell: "osx-arm64/py3.11_cpu"), by: Self.runner)
        guard case .failure(.unknownCell(let member, let cell, let cells)) = refused else {
            Issue.record("expected unknown-cell, got \(refused)")
            return
        }
        #expect(member == "torchvision")
        #expect(cell == "osx-arm64/py3.11_cpu")
        #expect(cells.count == 4)
    }

    @Test("an expired cell lease returns that cell to the queue, not the member's others")
    func expiryPerCell() throws {
        var script = try Self.script()
        try script.must(Self.registerVision, by: TrainScript.team)
        try script.must(
            .claimWork(kind: .test, member: nil, subdir: nil, variant: "py3.10_cpu", leaseSeconds: 60), by: Self.runner)
        try script.must(
            .claimWork(kind: .test, member: nil, subdir: nil, variant: "py3.11_cpu", leaseSeconds: 6000),
            by: Self.runner)
        #expect(script.state("torchvision") == .testing)
        // Two minutes later the first lease has run out: a claim finds it back in the queue.
        let events = try script.must(
            .claimWork(kind: .test, member: nil, subdir: nil, variant: "py3.10_cpu", leaseSeconds: 60), by: Self.runner)
        #expect(events.contains(.testAbandoned(member: "torchvision", cell: "linux-64/py3.10_cpu")))
        #expect(events.contains { if case .workClaimed(let c) = $0 { c.cell == "linux-64/py3.10_cpu" } else { false } })
        #expect(script.train.heldClaims.count == 2)
        #expect(script.replayed == script.train)
    }

    @Test("build work per cell: each cell without a file of the member's build, until its files cover them")
    func buildWorkPerCell() throws {
        var script = try Self.script()
        #expect(script.train.buildOffers().map(\.cell?.key).count == 5)
        #expect(script.train.buildOffers(in: CellSelection(variant: "cpu")).count == 3)
        let staged = RealPytorchRecords.records("torchvision").filter {
            $0.build == "py310_cpu" || $0.build == "py311_cu121"
        }
        try script.must(
            .registerBuild(
                member: "torchvision", version: Version("0.16.0"), depends: ["pytorch 2.1.0"],
                artifacts: staged.map { Artifact($0) }),
            by: TrainScript.team)
        #expect(
            script.train.buildOffers().map(\.cell?.key) == [
                "linux-64/py3.10_cuda12.1", "linux-64/py3.11_cpu", "osx-arm64/py3.11_cpu",
            ])
        // A build reported passed for a cell with no file yet is refused.
        let early = script.run(
            .reportBuild(member: "torchvision", rc: 1, passed: true, log: nil, cell: "linux-64/py3.11_cpu"),
            by: Self.runner)
        #expect(early == .failure(.buildNotStaged(member: "torchvision", rc: 1)))
        try script.must(
            .reportBuild(member: "torchvision", rc: 1, passed: true, log: nil, cell: "linux-64/py3.10_cpu"),
            by: Self.runner)
    }

    @Test("a whole-member test still covers every cell, as before cells")
    func wholeMemberTest() throws {
        var script = try Self.script()
        try script.must(Self.registerVision, by: TrainScript.team)
        try script.pass("torchvision")
        #expect(script.state("torchvision") == .passed)
        #expect(script.train.gateHolds(leaving: .companions))
    }

    @Test("the candidate gate needs a core build for every cell the catalog expects, naming those it lacks")
    func expectedCellsAtTheCandidateGate() throws {
        let text = Self.catalogText.replacingOccurrences(
            of: "packages:\n",
            with: """
                variants:
                  cells:
                    linux-64: {python: ["3.10", "3.11", "3.12"], flavours: [cpu, cuda12.1]}
                    osx-arm64: {python: ["3.11"], flavours: [cpu]}
                packages:

                """)
        var script = try TrainScript(catalogText: text, version: "2.1.0")
        try script.must(.registerRC(number: 1, artifacts: Self.coreBuilds.map { Artifact($0) }))
        try script.must(.advance)
        let check = try #require(script.train.gate(leaving: .candidate).last)
        #expect(check.name == "the RC has a build for every expected cell")
        #expect(!check.ok)
        #expect(check.detail == "missing: linux-64, python 3.12, cpu; linux-64, python 3.12, cuda 12.1")
        guard case .failure(.gateNotMet) = script.run(.advance) else {
            Issue.record("the train left candidate without its python 3.12 builds")
            return
        }
        // RC 2 brings the python 3.12 builds: the gate holds.
        let py312 = RealPytorchRecords.records("pytorch").filter { $0.build.hasPrefix("py3.11") }.map { record in
            var record = record
            record.build = record.build.replacingOccurrences(of: "py3.11", with: "py3.12")
            record.fileName = record.fileName.replacingOccurrences(of: "py3.11", with: "py3.12")
            record.depends = record.depends.map { $0 == "python >=3.11,<3.12.0a0" ? "python >=3.12,<3.13.0a0" : $0 }
            return record
        }
        try script.must(.registerRC(number: 2, artifacts: (Self.coreBuilds + py312).map { Artifact($0) }))
        #expect(script.train.gateHolds(leaving: .candidate))
    }
}
