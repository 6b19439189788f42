import Foundation
import RailyardCore
import Testing

@Suite("Promotion plan: the diff and every check, decided from the train and the two labels")
struct PromotionPlanTests {
    static func record(
        _ name: String, _ version: String, _ subdir: String, depends: [String] = [], sha: String? = nil
    ) -> PackageRecord {
        PackageRecord(
            fileName: "\(name)-\(version)-0.conda", name: name, version: version, build: "0", buildNumber: 0,
            depends: depends, constrains: [], subdir: subdir, noarch: subdir == "noarch" ? "python" : nil,
            license: nil, timestamp: nil, size: 1, md5: "m", sha256: sha ?? "\(name)-\(version)-\(subdir)")
    }

    /// A label from records.
    static func label(_ records: [PackageRecord]) -> LabelRecords {
        var result: LabelRecords = [:]
        for record in records { result[record.subdir, default: [:]][record.fileName] = record }
        return result
    }

    /// The small distribution's train driven to `staged`, every build registered with files
    /// for `platforms` (noarch for kornia), and the staging label holding those files.
    static func stagedTrain(torchvisionSubdirs: [String]? = nil, korniaDepends: [String] = ["pytorch >=1.9.1,<2.7"])
        throws -> (TrainScript, staged: [PackageRecord])
    {
        var script = try TrainScript()
        let platforms = script.train.requiredSubdirs
        var staged: [PackageRecord] = []
        func files(_ records: [PackageRecord]) -> [Artifact] {
            staged += records
            return records.map { Artifact($0) }
        }
        let rc = platforms.map { record("pytorch", "2.6.0", $0) }
        try script.must(.registerRC(number: 1, artifacts: files(rc)))
        try script.must(.advance)
        try script.must(.advance)
        let vision = (torchvisionSubdirs ?? platforms).map {
            record("torchvision", "0.21.0", $0, depends: ["pytorch 2.6.0.*"])
        }
        try script.must(
            .registerBuild(
                member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"],
                artifacts: files(vision)),
            by: TrainScript.team)
        try script.pass("torchvision")
        try script.must(.advance)
        let kornia = [record("kornia", "0.7.4", "noarch", depends: korniaDepends)]
        try script.must(
            .registerBuild(
                member: "kornia", version: Version("0.7.4"), depends: korniaDepends, artifacts: files(kornia)),
            by: TrainScript.team)
        try script.pass("kornia")
        let scatter = platforms.map { record("scatter", "2.1.3", $0, depends: ["pytorch 2.6.*"]) }
        try script.must(
            .registerBuild(
                member: "scatter", version: Version("2.1.3"), depends: ["pytorch 2.6.*"], artifacts: files(scatter)),
            by: TrainScript.team)
        try script.pass("scatter")
        try script.pass("captum")
        try script.pass("timm")
        try script.pass("pyg")
        try script.must(.advance)
        try script.must(.reportIntegration(rc: 1, passed: true, log: nil), by: TrainScript.runner)
        try script.must(.markFinal(rc: 1))
        return (script, staged)
    }

    /// main as released with torch 2.5.1.
    static func main(_ platforms: [String]) -> LabelRecords {
        label(
            platforms.flatMap { subdir in
                [
                    record("pytorch", "2.5.1", subdir),
                    record("torchvision", "0.20.1", subdir, depends: ["pytorch 2.5.1.*"]),
                    record("scatter", "2.1.2", subdir, depends: ["pytorch 2.5.*"]),
                ]
            } + [
                record("kornia", "0.7.3", "noarch", depends: ["pytorch >=1.9.1,<2.6"]),
                record("timm", "1.0.11", "noarch", depends: ["pytorch >=1.7,<3", "torchvision >=0.8,<0.22"]),
            ])
    }

    static func check(_ plan: PromotionPlan, _ prefix: String) -> GateCheck? {
        plan.checks.first { $0.name.hasPrefix(prefix) }
    }

    @Test("a complete, installable train: every check holds and main gains exactly its files")
    func happy() throws {
        let (script, staged) = try Self.stagedTrain()
        let platforms = script.train.requiredSubdirs
        let plan = script.train.promotionPlan(main: Self.main(platforms), staged: Self.label(staged))
        #expect(plan.ok, "\(plan.failing)")
        #expect(plan.gainCount == staged.count)
        #expect(plan.gains["noarch"]?.map(\.fileName) == ["kornia-0.7.4-0.conda"])
        for subdir in platforms {
            #expect(
                plan.gains[subdir]?.map(\.fileName)
                    == ["pytorch-2.6.0-0.conda", "scatter-2.1.3-0.conda", "torchvision-0.21.0-0.conda"])
            // main keeps what it had: the old versions stay installable by pin.
            #expect(plan.future[subdir]?["pytorch-2.5.1-0.conda"] != nil)
        }
        #expect(plan.checks.count == 7)
    }

    @Test("a train that is not staged, or not final, is not promotable")
    func gate() throws {
        let script = try TrainScript.train(in: .downstream)
        let plan = script.train.promotionPlan(main: [:], staged: [:])
        #expect(Self.check(plan, "the train is staged")?.ok == false)
        #expect(Self.check(plan, "the train is staged")?.detail == "the train is downstream")
        // Builds registered without files cannot be promoted.
        #expect(Self.check(plan, "every build")?.detail.contains("no files registered: torchvision 0.21.0") == true)
    }

    @Test("a missing platform build fails subdir completeness; noarch builds cover every platform")
    func variantCompleteness() throws {
        let (script, staged) = try Self.stagedTrain()
        #expect(script.train.requiredSubdirs == ["linux-64"])
        // The same train, had the catalog required osx-arm64 too.
        var train = script.train
        train.requiredSubdirs.append("osx-arm64")
        let plan = train.promotionPlan(main: Self.main(["linux-64"]), staged: Self.label(staged))
        let check = try #require(Self.check(plan, "subdir completeness"))
        #expect(!check.ok)
        #expect(
            check.detail
                == "pytorch 2.6.0 has no build for osx-arm64; scatter 2.1.3 has no build for osx-arm64;"
                + " torchvision 0.21.0 has no build for osx-arm64")
        #expect(!plan.ok)
    }

    @Test("a file changed on the label after registration, or clashing with main, is caught")
    func files() throws {
        let (script, staged) = try Self.stagedTrain()
        let platforms = script.train.requiredSubdirs
        var tampered = staged
        let index = try #require(tampered.firstIndex { $0.name == "scatter" })
        tampered[index].sha256 = "other"
        let plan = script.train.promotionPlan(main: Self.main(platforms), staged: Self.label(tampered))
        #expect(Self.check(plan, "every build")?.detail == "missing or changed: \(platforms[0])/scatter-2.1.3-0.conda")

        var main = Self.main(platforms)
        main[platforms[0]]!["pytorch-2.6.0-0.conda"] = Self.record("pytorch", "2.6.0", platforms[0], sha: "older")
        let clash = script.train.promotionPlan(main: main, staged: Self.label(staged))
        #expect(Self.check(clash, "no file name")?.ok == false)
        #expect(Self.check(clash, "no file name")?.detail == "\(platforms[0])/pytorch-2.6.0-0.conda")
    }

    @Test("a new build needing what the future main will not have fails installability")
    func installability() throws {
        // kornia's new build wants pyg 3, which main does not have and the train does not bring.
        let (script, staged) = try Self.stagedTrain(korniaDepends: ["pytorch >=2.6,<2.7", "pyg >=3"])
        let platforms = script.train.requiredSubdirs
        var main = Self.main(platforms)
        main["noarch"]!["pyg-2.6.1-0.conda"] = Self.record("pyg", "2.6.1", "noarch")
        let plan = script.train.promotionPlan(main: main, staged: Self.label(staged))
        let installable = try #require(Self.check(plan, "the future main is installable"))
        #expect(!installable.ok)
        #expect(
            installable.detail.hasPrefix(
                "noarch/kornia-0.7.4-0.conda needs 'pyg >=3': nothing on main for \(platforms[0]) satisfies it"))
        // Dependencies on packages the channel does not carry (python, numpy) are not its to judge.
        let (other, otherStaged) = try Self.stagedTrain(korniaDepends: ["pytorch >=2.6,<2.7", "numpy >=99"])
        #expect(other.train.promotionPlan(main: Self.main(platforms), staged: Self.label(otherStaged)).ok)
    }

    @Test("new builds that exclude each other's new versions are caught")
    func mutualCompatibility() throws {
        let (script, staged) = try Self.stagedTrain(korniaDepends: ["pytorch >=2.6,<2.7", "torchvision >=0.8,<0.22"])
        #expect(
            script.train.promotionPlan(main: Self.main(script.train.requiredSubdirs), staged: Self.label(staged)).ok)
        // As if torchvision's build had become 0.22.0 after kornia's was made.
        var train = script.train
        let index = try #require(train.index(of: "torchvision"))
        train.members[index].build?.version = try Version("0.22.0")
        let plan = train.promotionPlan(main: Self.main(train.requiredSubdirs), staged: Self.label(staged))
        let compatible = try #require(Self.check(plan, "the new builds admit"))
        #expect(
            compatible.detail
                == "noarch/kornia-0.7.4-0.conda pins 'torchvision >=0.8,<0.22', which excludes torchvision 0.22.0")
    }
}

@Suite("what users get with no version never gets older across a promotion")
struct BackwardStepTests {
    static func report(_ name: String, ok: Bool, _ picks: [(String, String)]) -> SolveReport {
        SolveReport(
            PlannedSolve(
                name: name, subdir: "linux-64", cell: "linux-64/any", specs: ["pytorch", "torchvision"],
                virtualPackages: [], expect: [:]),
            ok: ok, picked: picks.map { PickedPackage(name: $0.0, version: $0.1, build: "0", subdir: "linux-64") },
            problem: ok ? nil : "\(name): cannot be installed: no candidates", seconds: 0, peakMemoryBytes: nil)
    }

    @Test("older versions and lost installs are steps back; newer, equal, or failing before are not")
    func steps() {
        let name = "linux-64/any: pytorch torchvision (no version asked)"
        let main = Self.report(name, ok: true, [("pytorch", "2.6.0"), ("torchvision", "0.21.0")])
        let table: [(after: SolveReport, steps: [String])] = [
            (main, []),
            (Self.report(name, ok: true, [("pytorch", "2.6.1"), ("torchvision", "0.21.0")]), []),
            (
                Self.report(name, ok: true, [("pytorch", "2.5.2"), ("torchvision", "0.20.2")]),
                [
                    "\(name): gets pytorch 2.5.2 where main gives 2.6.0",
                    "\(name): gets torchvision 0.20.2 where main gives 0.21.0",
                ]
            ),
            (Self.report(name, ok: false, []), ["\(name): no longer installs"]),
            // conda's order, not the text's: 2.10.0 is newer than 2.9.0.
            (Self.report(name, ok: true, [("pytorch", "2.10.0"), ("torchvision", "0.21.0")]), []),
        ]
        for (after, steps) in table {
            #expect(Train.backwardSteps(before: [main], after: [after]) == steps)
        }
        // Nothing installed before: nothing to go back from.
        let failing = Self.report(name, ok: false, [])
        #expect(Train.backwardSteps(before: [failing], after: [Self.report(name, ok: false, [])]).isEmpty)
        let older = Self.report(name, ok: true, [("pytorch", "2.9.0"), ("torchvision", "0.21.0")])
        #expect(
            Train.backwardSteps(
                before: [Self.report(name, ok: true, [("pytorch", "2.10.0"), ("torchvision", "0.21.0")])],
                after: [older]) == ["\(name): gets pytorch 2.9.0 where main gives 2.10.0"])
    }
}

@Suite("an install check's expectations: the train's version, or newer where the user asked for none")
struct InstallCheckExpectationTests {
    @Test("a name asked with no version may get a newer release than the train's, never an older one")
    func orNewer() {
        func solve(_ expected: PlannedSolve.Expected) -> PlannedSolve {
            PlannedSolve(
                name: "linux-64: pytorch", subdir: "linux-64", cell: "linux-64/any", specs: ["pytorch"],
                virtualPackages: [], expect: ["pytorch": expected])
        }
        func pick(_ version: String) -> [PickedPackage] {
            [PickedPackage(name: "pytorch", version: version, build: "py311_0", subdir: "linux-64")]
        }
        let unpinned = solve(.init(version: "2.5.2", build: nil, orNewer: true))
        let exact = solve(.init(version: "2.5.2", build: nil))
        #expect(unpinned.problem(picked: pick("2.5.2"), error: nil, core: "pytorch", future: [:]) == nil)
        #expect(unpinned.problem(picked: pick("2.6.0"), error: nil, core: "pytorch", future: [:]) == nil)
        #expect(
            unpinned.problem(picked: pick("2.5.1"), error: nil, core: "pytorch", future: [:])
                == "linux-64: pytorch: picks pytorch 2.5.1 py311_0, not 2.5.2")
        #expect(
            exact.problem(picked: pick("2.6.0"), error: nil, core: "pytorch", future: [:])
                == "linux-64: pytorch: picks pytorch 2.6.0 py311_0, not 2.5.2")
    }
}

@Suite("creating a train beside the released ones")
struct TrainCreationTests {
    @Test("newer than every release of its series; a catalog behind a release refused, or a warning with stale-ok")
    func rules() throws {
        let released: [(name: String, version: Version)] = [
            ("2.5.1", try Version("2.5.1")), ("2.6.0", try Version("2.6.0")),
        ]
        func judge(_ version: String, catalog: String, staleOK: Bool = false) throws -> (String?, [String]) {
            let judged = Train.creationProblems(
                core: "pytorch", version: try Version(version), catalogVersion: try Version(catalog),
                released: released, staleOK: staleOK)
            return (judged.refusal?.description, judged.warnings.map(\.description))
        }
        // Up to date: a patch of the newest series, the next minor.
        #expect(try judge("2.6.1", catalog: "2.6.0") == (nil, []))
        #expect(try judge("2.7.0", catalog: "2.6.0") == (nil, []))
        // Not newer than a release of its series.
        #expect(
            try judge("2.6.0", catalog: "2.6.0").0
                == "train 2.6.0 released 2.6.0: a new train of the 2.6 series must be newer than 2.6.0, and 2.6.0 is not"
        )
        #expect(try judge("2.5.0", catalog: "2.6.0").0?.hasPrefix("train 2.5.1 released 2.5.1") == true)
        // A patch of an older series is newer than its series' release: allowed.
        #expect(try judge("2.5.2", catalog: "2.6.0") == (nil, []))
        // The catalog behind the newest release: refused, or with stale-ok, a warning.
        let behind =
            "the catalog says pytorch 2.5.1, but train 2.6.0 released 2.6.0: bring the catalog's versions up to that"
            + " release (what it put on main) before planning from it, or give --stale-ok to plan from it as it is"
        #expect(try judge("2.6.1", catalog: "2.5.1") == (behind, []))
        #expect(try judge("2.6.1", catalog: "2.5.1", staleOK: true) == (nil, [behind]))
        // Nothing released: nothing to be behind.
        #expect(
            Train.creationProblems(
                core: "pytorch", version: try Version("2.6.0"), catalogVersion: try Version("2.5.1"), released: [],
                staleOK: false
            ).refusal == nil)
    }
}
