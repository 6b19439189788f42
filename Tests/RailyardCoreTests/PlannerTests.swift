import RailyardCore
import RailyardYAML
import Testing

@Suite("Planner: what a new torch means for every package")
struct PlannerTests {
    static func example() throws -> Catalog { try CatalogFile.load(path: TestCatalogs.examplePath) }

    @Test(
        "the train kind from the catalog's core version",
        arguments: [
            ("2.5.1", "2.6.0", TrainKind.minor), ("2.5.1", "2.5.2", .patch), ("2.5.1", "3.0.0", .major),
            ("2.5.1", "2.10", .minor), ("1.13.1", "2.0.0", .major), ("2.5", "2.5.1", .patch),
            ("2.5.1", "1!0.1", .major), ("2.5.1", "2.5.1.post1", .patch),
        ] as [(String, String, TrainKind)]
    )
    func kind(_ current: String, _ next: String, _ expected: TrainKind) throws {
        #expect(TrainKind(from: try Version(current), to: try Version(next)) == expected)
    }

    @Test("torch 2.6.0 over the example catalog: each package gets the reason its specs decide")
    func exampleMinorTrain() throws {
        let plan = try Planner.plan(Self.example(), coreVersion: Version("2.6.0"))
        #expect(plan.kind == .minor)
        let reasons = Dictionary(uniqueKeysWithValues: plan.members.map { ($0.name, $0.reason) })
        #expect(reasons["torchvision"] == .companion)
        #expect(reasons["torchaudio"] == .companion)
        #expect(reasons["pytorch_scatter"] == .rebuild)
        #expect(reasons["xformers"] == .rebuild)
        #expect(reasons["kornia"] == .bump)
        #expect(reasons["captum"] == .retest)
        #expect(reasons["botorch"] == .retest)
        // Not depending on torch at all: not a member.
        #expect(reasons["einops"] == nil)
        #expect(reasons["lightning-utilities"] == nil)
        #expect(reasons["pytorch"] == nil)
        #expect(plan.violations.isEmpty)
        let kornia = try #require(plan.member("kornia"))
        #expect(kornia.why == "'pytorch >=1.9.1,<2.6' excludes pytorch 2.6.0")
    }

    @Test("companion versions: suggested by carrying the pairing forward, or given")
    func companionVersions() throws {
        let suggested = try Planner.plan(Self.example(), coreVersion: Version("2.6.0"))
        #expect(suggested.member("torchvision")?.newVersion?.description == "0.21.0")
        #expect(suggested.member("torchvision")?.isSuggested == true)
        #expect(suggested.member("torchaudio")?.newVersion?.description == "2.6.0")
        let given = try Planner.plan(
            Self.example(),
            coreVersion: Version("2.6.0"),
            companions: ["torchvision": Version("0.21.1")]
        )
        #expect(given.member("torchvision")?.newVersion?.description == "0.21.1")
        #expect(given.member("torchvision")?.isSuggested == false)
        let patch = try Planner.plan(Self.example(), coreVersion: Version("2.5.2"))
        #expect(patch.member("torchvision")?.newVersion?.description == "0.20.2")
    }

    @Test("a spec on a companion that excludes its new version makes a bump")
    func companionSpecBump() throws {
        let catalog = try TestCatalogs.catalog(
            TestCatalogs.yaml([
                ("pytorch", "2.5.1", []),
                ("torchvision", "0.20.1", ["companion: true", "abi: true", "depends: [\"pytorch 2.5.1.*\"]"]),
                ("timm", "1.0.11", ["depends: [\"pytorch >=1.7,<3\", \"torchvision >=0.8,<0.21\"]"]),
            ])
        )
        let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
        #expect(plan.member("timm")?.reason == .bump)
        #expect(plan.member("timm")?.why == "'torchvision >=0.8,<0.21' excludes torchvision 0.21.0")
        #expect(plan.member("timm")?.wave == 2)
    }

    @Test("specs are judged against the final version: <2.6 excludes 2.6.0 although it admits 2.6.0rc1")
    func finalVersionNotRC() throws {
        let catalog = try TestCatalogs.catalog(
            TestCatalogs.yaml([("pytorch", "2.5.1", []), ("kornia", "0.7.3", ["depends: [\"pytorch >=1.9,<2.6\"]"])])
        )
        #expect(try Planner.plan(catalog, coreVersion: Version("2.6.0")).member("kornia")?.reason == .bump)
        #expect(throws: PlanError.preRelease("2.6.0rc1")) {
            try Planner.plan(catalog, coreVersion: Version("2.6.0rc1"))
        }
    }

    @Test("a patch train: ABI packages whose pin admits it only retest; a needed bump is a violation")
    func patchTrain() throws {
        let catalog = try TestCatalogs.catalog(
            TestCatalogs.yaml([
                ("pytorch", "2.5.1", []),
                ("scatter", "2.1.2", ["abi: true", "depends: [\"pytorch 2.5.*\"]"]),
                ("strict-abi", "1.0", ["abi: true", "depends: [\"pytorch >=2.5.1,<2.5.2\"]"]),
                ("pinned", "1.0", ["depends: [\"pytorch <=2.5.1\"]"]),
                ("relaxed", "1.0", ["depends: [\"pytorch >=2,<3\"]"]),
            ])
        )
        let plan = try Planner.plan(catalog, coreVersion: Version("2.5.2"))
        #expect(plan.kind == .patch)
        #expect(plan.member("scatter")?.reason == .retest)
        #expect(plan.member("strict-abi")?.reason == .rebuild)
        #expect(plan.member("pinned")?.reason == .bump)
        #expect(plan.member("relaxed")?.reason == .retest)
        #expect(plan.violations.map(\.package) == ["pinned"])
        #expect(plan.violations.first?.spec == "pytorch <=2.5.1")
    }

    @Test("waves on a diamond; within a wave, most descendants first, then by name")
    func diamond() throws {
        // pytorch <- left, right <- top (depends on both); pytorch <- solo; right <- leaf
        let catalog = try TestCatalogs.catalog(
            TestCatalogs.yaml([
                ("pytorch", "2.5.1", []),
                ("top", "1.0", ["depends: [\"left >=1,<2\", \"right >=1,<2\"]"]),
                ("solo", "1.0", ["depends: [\"pytorch >=2,<3\"]"]),
                ("left", "1.0", ["depends: [\"pytorch >=2,<3\"]"]),
                ("right", "1.0", ["depends: [\"pytorch >=2,<3\"]"]),
                ("leaf", "1.0", ["depends: [\"right >=1,<2\"]"]),
                ("unrelated", "1.0", ["depends: [\"numpy\"]"]),
            ])
        )
        let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
        #expect(plan.members.map(\.name) == ["right", "left", "solo", "leaf", "top"])
        #expect(plan.members.map(\.wave) == [1, 1, 1, 2, 2])
        #expect(plan.members.map(\.descendants) == [2, 1, 0, 0, 0])
        #expect(plan.member("top")?.parents == ["left", "right"])
        #expect(plan.member("top")?.why == "depends on pytorch through left, right: needs a passing test only")
    }

    @Test("a plan is refused for an older version, a pre-release, or a companion the catalog lacks")
    func refusals() throws {
        let catalog = try Self.example()
        #expect(throws: PlanError.notNewer(current: "2.5.1", requested: "2.5.1")) {
            try Planner.plan(catalog, coreVersion: Version("2.5.1"))
        }
        #expect(throws: PlanError.notNewer(current: "2.5.1", requested: "2.4.0")) {
            try Planner.plan(catalog, coreVersion: Version("2.4.0"))
        }
        #expect(throws: PlanError.unknownCompanion("torchfoo")) {
            try Planner.plan(catalog, coreVersion: Version("2.6.0"), companions: ["torchfoo": Version("1.0")])
        }
        #expect(throws: PlanError.notACompanion("kornia")) {
            try Planner.plan(catalog, coreVersion: Version("2.6.0"), companions: ["kornia": Version("1.0")])
        }
    }

    @Test("impact: updating linear_operator to 0.6.0 tests its dependents and names the bumps")
    func impact() throws {
        let impact = try Planner.impact(Self.example(), of: "linear_operator", to: Version("0.6.0"))
        #expect(impact.packages.map(\.name) == ["linear_operator", "gpytorch", "botorch"])
        #expect(impact.packages.map(\.wave) == [0, 1, 2])
        #expect(impact.packages.map(\.needsBump) == [false, true, true])
        #expect(
            impact.packages[1].why
                == "'linear_operator >=0.5.3,<0.6' excludes linear_operator 0.6.0: needs a version bump")
        #expect(throws: PlanError.unknownPackage("nope")) {
            try Planner.impact(Self.example(), of: "nope", to: Version("1.0"))
        }
    }
}
