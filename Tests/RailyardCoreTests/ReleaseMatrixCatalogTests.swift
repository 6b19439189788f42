import Foundation
import RailyardCore
import Testing

/// What a real release needs of the catalog: the pytorch ↔ torchtriton lockstep group, the
/// support packages (pytorch-cuda, pytorch-mutex, cpuonly) as members, the expected cells and
/// the exemptions.
struct ReleaseMatrixCatalogTests {
    /// The real 2.1.0 shape: pytorch pins torchtriton, torchtriton depends on pytorch.
    static let release = releaseCatalog()

    static func releaseCatalog(_ more: [(String, String, [String])] = []) -> String {
        TestCatalogs.yaml(
            [
                (
                    "pytorch", "2.0.1",
                    ["depends: [\"torchtriton 2.0.0\", \"pytorch-cuda >=11.7,<11.9\", \"pytorch-mutex 1.0\"]"]
                ),
                ("torchtriton", "2.0.0", ["companion: true", "depends: [pytorch]"]),
                (
                    "torchvision", "0.15.2",
                    ["companion: true", "abi: true", "depends: [\"pytorch 2.0.1\", \"pytorch-cuda\"]"]
                ),
                (
                    "torchaudio", "2.0.2",
                    [
                        "companion: true", "abi: true", "depends: [\"pytorch 2.0.1\"]",
                        "exempt:", "  - {cells: \"py3.8 cuda11.8\", reason: \"no CUDA 11.8 wheels for python 3.8\"}",
                    ]
                ),
                ("pytorch-cuda", "11.8", ["support: true"]),
                ("pytorch-mutex", "1.0", ["support: true"]),
                ("cpuonly", "2.0", ["support: true", "depends: [\"pytorch-mutex 1.0 cpu\"]"]),
                ("kornia", "0.7.0", ["depends: [\"pytorch >=1.9,<2.2\", \"torchvision\"]"]),
            ] + more)
                + """
                lockstep:
                  - [pytorch, torchtriton]
                variants:
                  cells:
                    linux-64: {python: ["3.8", "3.9", "3.10", "3.11"], flavours: [cpu, cuda11.8, cuda12.1]}

                """
    }

    @Test("the pytorch ↔ torchtriton cycle is accepted as a declared lockstep group; torchtriton joins wave 1")
    func lockstepGroupAccepted() throws {
        let catalog = try TestCatalogs.catalog(Self.release)
        #expect(catalog.lockstep == [["pytorch", "torchtriton"]])
        let plan = try Planner.plan(catalog, coreVersion: try Version("2.1.0"))
        let waves = Dictionary(uniqueKeysWithValues: plan.members.map { ($0.name, $0.wave) })
        #expect(waves["torchtriton"] == 1)
        #expect(waves["torchvision"] == 1, "the support package it needs does not push it to a later wave")
        #expect(waves["torchaudio"] == 1)
        #expect(waves["kornia"] == 2)
        #expect(plan.members.first { $0.name == "torchtriton" }?.newVersion == (try Version("2.1.0")))
    }

    @Test("without the declaration, the same catalog is refused, naming the cycle")
    func undeclaredCycleRefused() {
        let text = Self.release.replacingOccurrences(of: "lockstep:\n  - [pytorch, torchtriton]\n", with: "")
        let problems = TestCatalogs.problems(text)
        #expect(
            problems.contains { $0.hasSuffix("dependency cycle: pytorch -> torchtriton -> pytorch") }, "\(problems)")
    }

    @Test("a cycle outside a declared group is still refused, naming it")
    func otherCyclesStillRefused() {
        let text = Self.releaseCatalog([
            ("a", "1.0", ["depends: [b, pytorch]"]),
            ("b", "1.0", ["depends: [a]"]),
        ])
        let problems = TestCatalogs.problems(text)
        #expect(problems.contains { $0.hasSuffix("dependency cycle: a -> b -> a") }, "\(problems)")
        #expect(!problems.contains { $0.contains("torchtriton") }, "\(problems)")
    }

    @Test("a lockstep group of two downstream packages gets one wave, after the deeper one's parents")
    func groupGetsOneWave() throws {
        let text =
            TestCatalogs.yaml([
                ("pytorch", "2.5.1", []),
                ("base", "1.0", ["depends: [\"pytorch >=2\"]"]),
                ("left", "1.0", ["depends: [\"pytorch >=2\", right]"]),
                ("right", "1.0", ["depends: [left, base]"]),
            ]) + "lockstep:\n  - [left, right]\n"
        let plan = try Planner.plan(try TestCatalogs.catalog(text), coreVersion: try Version("2.6.0"))
        let waves = Dictionary(uniqueKeysWithValues: plan.members.map { ($0.name, $0.wave) })
        #expect(waves == ["base": 1, "left": 2, "right": 2])
    }

    @Test("support packages are members of every train, start pending, and are asked of nobody")
    func supportMembers() throws {
        let catalog = try TestCatalogs.catalog(Self.release)
        let plan = try Planner.plan(catalog, coreVersion: try Version("2.1.0"))
        let support = plan.members.filter { $0.reason == .support }.map(\.name)
        #expect(Set(support) == ["pytorch-cuda", "pytorch-mutex", "cpuonly"])
        let train = try Train.create(
            plan: plan, catalog: catalog, by: .person("alice"), at: Date(timeIntervalSince1970: 0))
        for name in support { #expect(train.member(name)?.state == .pending) }
        #expect(train.variantRules?.expected.first?.flavours == ["cpu", "cuda11.8", "cuda12.1"])
        #expect(train.variantRules?.exemptions["torchaudio"]?.first?.cells == "py3.8 cuda11.8")
    }

    @Test(
        "lockstep, support, variants and exempt refuse what cannot be meant, by line",
        arguments: [
            ("lockstep:\n  - [pytorch]\n", "a lockstep group names at least two packages"),
            ("lockstep:\n  - [pytorch, nothere]\n", "lockstep: 'nothere' is not one of the packages"),
            (
                "lockstep:\n  - [pytorch, torchaudio]\n  - [torchaudio, kornia]\n",
                "'torchaudio' is in more than one group"
            ),
            (
                "lockstep:\n  - [pytorch, kornia]\n",
                "'kornia' is in a lockstep group with the core 'pytorch': mark it companion: true"
            ),
            (
                "variants:\n  cells:\n    win-64: {python: [\"3.11\"]}\n",
                "variants.cells: 'win-64' is not one of the catalog's subdirs"
            ),
            ("variants:\n  cells:\n    linux-64: {python: [\"3\"]}\n", "python '3' is not a MAJOR.MINOR version"),
            (
                "variants:\n  cells:\n    linux-64: {flavours: [rocm6]}\n",
                "flavour 'rocm6' is not cpu, cuda or cudaMAJOR[.MINOR]"
            ),
            ("solver:\n  on_unavailable: maybe\n", "solver.on_unavailable 'maybe' must be fail-closed or fail-open"),
            (
                "solver:\n  install_checks:\n    - {subdir: win-64, specs: \"pytorch\"}\n",
                "'win-64' is not one of the catalog's subdirs"
            ),
            (
                "solver:\n  install_checks:\n    - {subdir: linux-64, specs: \"pytorch=>=2\"}\n",
                "solver.install_checks: 'pytorch=>=2'"
            ),
            ("solver:\n  install_checks:\n    - {specs: \"pytorch\"}\n", "each entry names its subdir and its specs"),
        ])
    func refusals(extra: String, message: String) {
        let base = TestCatalogs.yaml([
            ("pytorch", "2.5.1", []),
            ("torchaudio", "2.5.1", ["companion: true", "depends: [\"pytorch 2.5.1\"]"]),
            ("kornia", "0.7.0", ["depends: [\"pytorch >=1.9\"]"]),
        ]).replacingOccurrences(of: "release_managers", with: "subdirs: [linux-64, noarch]\nrelease_managers")
        let problems = TestCatalogs.problems(base + extra)
        #expect(problems.contains { $0.contains(message) }, "\(problems)")
    }

    @Test("a support package cannot also be a companion or the core")
    func supportIsNeitherCompanionNorCore() {
        let text = TestCatalogs.yaml([
            ("pytorch", "2.5.1", ["support: true"]),
            ("pytorch-cuda", "12.1", ["support: true", "companion: true", "depends: [pytorch]"]),
        ])
        let problems = TestCatalogs.problems(text)
        #expect(problems.contains { $0.contains("'pytorch' cannot be a support package and the core") }, "\(problems)")
        #expect(
            problems.contains { $0.contains("'pytorch-cuda' cannot be a support package and a companion") },
            "\(problems)")
    }

    @Test("solver: the catalog's choice when no solver runs, its other channels and the installs users make")
    func solverSection() throws {
        let text =
            Self.release
                + """
                solver:
                  on_unavailable: fail-open
                  solve_with: ["https://conda.anaconda.org/conda-forge", "/srv/mirror"]
                  install_checks:
                    - {subdir: linux-64, specs: "pytorch torchvision pytorch-cuda=12.1 python=3.11"}

                """
        let catalog = try TestCatalogs.catalog(text)
        let rules = try #require(catalog.solving)
        #expect(rules.onUnavailable == .failOpen)
        #expect(rules.solveWith == ["https://conda.anaconda.org/conda-forge", "/srv/mirror"])
        #expect(
            rules.installChecks == [
                InstallCheck(subdir: "linux-64", specs: ["pytorch", "torchvision", "pytorch-cuda=12.1", "python=3.11"])
            ])
        #expect(try TestCatalogs.catalog(Self.release).solving == nil, "no section: no solver asked")
        let defaults = try TestCatalogs.catalog(Self.release + "solver: {}\n")
        #expect(defaults.solving == SolvingRules(), "fail-closed by default")
    }
}
