import Foundation
import RailyardCore
import RailyardYAML
import Testing

/// Deep nesting and huge numbers from outside: refused with a named error, never a crash.
@Suite("Parser depth limits and version arithmetic")
struct HardeningLimitTests {
    static let deepParentheses = String(repeating: "(", count: 100_000) + "1.0" + String(repeating: ")", count: 100_000)

    @Test("100,000 nested parentheses in a version spec: spec-too-long")
    func deepVersionSpec() {
        do {
            _ = try VersionSpec(Self.deepParentheses)
            Issue.record("accepted")
        } catch {
            #expect(error.code == "spec-too-long")
        }
    }

    @Test("nesting deeper than the limit within the length: spec-too-deep")
    func deepShortVersionSpec() throws {
        let depth = 65
        let text = String(repeating: "(", count: depth) + "1.0" + String(repeating: ")", count: depth)
        do {
            _ = try VersionSpec(text)
            Issue.record("accepted")
        } catch {
            #expect(error.code == "spec-too-deep")
            #expect(error.description.contains("64"))
        }
        let fine = String(repeating: "(", count: 64) + "1.0" + String(repeating: ")", count: 64)
        #expect(try VersionSpec(fine).matches(Version("1.0")))
    }

    @Test("a match spec of 200 KB: spec-too-long")
    func longMatchSpec() {
        do {
            _ = try MatchSpec("pytorch " + Self.deepParentheses)
            Issue.record("accepted")
        } catch {
            #expect(error.code == "spec-too-long")
        }
    }

    @Test("a catalog nested 50,000 levels deep is refused naming the limit")
    func deepCatalog() {
        let text = "distribution: " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
        #expect(throws: CatalogFile.Failure.self) { try CatalogFile.parse(text, path: "deep.yml") }
        do {
            _ = try CatalogFile.parse(text, path: "deep.yml")
        } catch {
            #expect(error.description.contains("catalog-too-deep"))
            #expect(error.description.contains("\(DocumentNode.maximumDepth)"))
        }
    }

    @Test(
        "huge version numbers: the companion suggestion is exact",
        arguments: ["2.9223372036854775807.0", "2.18446744073709551615.0", "2.5.18446744073709551615"])
    func plannerWithHugeCore(version: String) throws {
        let plan = try Planner.plan(CatalogFile.load(path: TestCatalogs.examplePath), coreVersion: Version(version))
        #expect(plan.member("torchvision")?.newVersion != nil)
    }

    @Test("a core number beyond 64 bits is refused: version-component-too-large")
    func plannerBeyond64Bits() throws {
        let catalog = try CatalogFile.load(path: TestCatalogs.examplePath)
        #expect(throws: PlanError.versionComponentTooLarge("2.18446744073709551616.0")) {
            try Planner.plan(catalog, coreVersion: Version("2.18446744073709551616.0"))
        }
        #expect(PlanError.versionComponentTooLarge("x").code == "version-component-too-large")
    }

    @Test("next bugfix of the largest 64-bit number is one more, in decimal")
    func nextBugfix() throws {
        #expect(try Version("2.5.18446744073709551615").nextBugfix?.description == "2.5.18446744073709551616")
        #expect(try Version("2.5.1").nextBugfix?.description == "2.5.2")
    }

    @Test("lint over a catalog whose core has a huge number does not crash")
    func lintWithHugeVersion() throws {
        let catalog = try TestCatalogs.catalog(
            TestCatalogs.yaml([
                ("pytorch", "2.18446744073709551615.18446744073709551615", []),
                ("captum", "0.7.0", ["depends: [pytorch >=2]"]),
            ]))
        let findings = CatalogLint.findings(catalog)
        #expect(findings.contains { $0.message.contains("<2.18446744073709551616") })
    }
}

@Suite("Patch proposals for a train with huge version numbers")
struct HugeVersionPatchTests {
    @Test("a train 2.18446744073709551615.0 proposes a bound one minor above, without a trap")
    func patchesOfHugeTrain() throws {
        let catalog = try TestCatalogs.catalog(TrainScript.catalogText)
        let plan = try Planner.plan(catalog, coreVersion: Version("2.18446744073709551615.0"))
        let train = try Train.create(plan: plan, catalog: catalog, by: TrainScript.alice, at: TrainScript.start)
        let record = PackageRecord(
            fileName: "captum-0.7.0-0.conda", name: "captum", version: "0.7.0", build: "0", buildNumber: 0,
            depends: ["pytorch"], constrains: [], subdir: "noarch", noarch: "python", license: nil, timestamp: nil,
            size: 1, md5: "m", sha256: "s")
        let proposals = train.patchProposals(main: ["noarch": [record.fileName: record]])
        #expect(proposals.map(\.proposed) == ["pytorch <2.18446744073709551615"])
    }
}
