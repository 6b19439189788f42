import Foundation
import RailyardCore
import Testing

@Suite("Repodata patch proposals: unbounded pins on the core get a bound")
struct PatchProposalTests {
    @Test(
        "a bound is added to the version part, keeping the build part",
        arguments: [
            ("pytorch", "pytorch <2.6"),
            ("pytorch >=1.9", "pytorch >=1.9,<2.6"),
            ("pytorch * *cuda*", "pytorch <2.6 *cuda*"),
            ("pytorch >=2 *_cuda", "pytorch >=2,<2.6 *_cuda"),
        ])
    func bounded(spec: String, expected: String) throws {
        #expect(Train.bounded(spec, below: "2.6") == expected)
        // The result is a spec conda reads, and it excludes the bound.
        #expect(try !(MatchSpec(expected).version?.matches(Version("2.6.0")) ?? true))
    }

    @Test("which builds on main are proposed, and with which bound")
    func proposals() throws {
        let script = try TrainScript.train(in: .staged)
        func record(_ name: String, _ version: String, _ depends: [String]) -> PackageRecord {
            PackageRecord(
                fileName: "\(name)-\(version)-0.conda", name: name, version: version, build: "0", buildNumber: 0,
                depends: depends, constrains: [], subdir: "noarch", noarch: "python", license: nil, timestamp: nil,
                size: 1, md5: "m", sha256: "s")
        }
        let main: LabelRecords = [
            "noarch": Dictionary(
                uniqueKeysWithValues: [
                    // captum only needs a test, and passed with 2.6.0 in this train.
                    record("captum", "0.7.0", ["python", "pytorch"]),
                    // kornia's old build: its new build is the one that was tested.
                    record("kornia", "0.7.3", ["pytorch >=1.9.1"]),
                    // Bounded already, or excluding 2.6: nothing to propose.
                    record("timm", "1.0.11", ["pytorch >=1.7,<3"]),
                    record("pyg", "2.6.1", ["pytorch <2.6"]),
                    record("pytorch", "2.5.1", []),
                ].map { ($0.fileName, $0) })
        ]
        let proposals = script.train.patchProposals(main: main)
        #expect(proposals.map(\.fileName) == ["captum-0.7.0-0.conda", "kornia-0.7.3-0.conda"])
        #expect(proposals[0].proposed == "pytorch <2.7")
        #expect(proposals[0].depends == ["python", "pytorch <2.7"])
        #expect(proposals[0].reason == "passed against pytorch 2.6.0 in this train")
        #expect(proposals[1].proposed == "pytorch >=1.9.1,<2.6")
        #expect(proposals[1].reason == "not tested with pytorch 2.6.0")
    }

    @Test("the train's own builds are never capped: torchtriton 2.1.0, built and passed against RC 1, keeps `pytorch`")
    func ownBuildsKeepTheirPins() throws {
        // The 2.1.0 release's torchtriton builds depend on `pytorch` with no bound; they are
        // this train's own builds, registered and passed against its RC.
        let text = ReleaseMatrixCatalogTests.release
        var script = try TrainScript(catalogText: text, version: "2.1.0")
        let core = RealPytorchRecords.records("pytorch")
        try script.must(.registerRC(number: 1, artifacts: core.map { Artifact($0) }))
        try script.must(.advance)
        try script.must(.advance)
        let triton = RealPytorchRecords.records("torchtriton").filter { $0.version == "2.1.0" }
        try script.must(
            .registerBuild(
                member: "torchtriton", version: Version("2.1.0"), depends: ["filelock", "pytorch"],
                artifacts: triton.map { Artifact($0) }))
        try script.pass("torchtriton")
        // The real torchtriton 2.0.0 builds on main, not part of the train, with the same unbounded pin.
        let old = RealPytorchRecords.records("torchtriton").filter { $0.version == "2.0.0" }
        #expect(old.count == 4)
        let main: LabelRecords = [
            "linux-64": Dictionary(uniqueKeysWithValues: (triton + old).map { ($0.fileName, $0) })
        ]
        let proposals = script.train.patchProposals(main: main)
        #expect(proposals.map(\.fileName) == old.map(\.fileName).sorted())
        #expect(proposals.allSatisfy { $0.proposed == "pytorch <2.1" })
    }
}
