import RailyardCore
import Testing

@Suite("Catalog lint: the distribution's policy")
struct CatalogLintTests {
    static func findings(_ packages: [(String, String, [String])]) throws -> [CatalogLint.Finding] {
        CatalogLint.findings(try TestCatalogs.catalog(TestCatalogs.yaml([("pytorch", "2.5.1", [])] + packages)))
    }

    @Test("the example catalog follows the policy")
    func example() throws {
        let catalog = try TestCatalogs.catalog(String(contentsOfFile: TestCatalogs.examplePath, encoding: .utf8))
        #expect(CatalogLint.findings(catalog).isEmpty)
    }

    @Test(
        "each spec on pytorch 2.5.1, by rule",
        arguments: [
            // Pure-Python packages.
            ("pytorch >=1.9,<2.6", false, []),
            ("pytorch >=2.5,<2.6", false, []),
            ("pytorch 2.5.*", false, []),
            ("pytorch ~=2.5.0", false, []),
            ("pytorch >=1.9", false, [.upperBound]),
            ("pytorch", false, [.upperBound]),
            ("pytorch !=2.4.0", false, [.upperBound]),
            ("pytorch >=2.0|<1.0", false, [.upperBound]),
            ("pytorch <=2.5.1", false, [.bugfixRelease]),
            ("pytorch ==2.5.1", false, [.bugfixRelease]),
            ("pytorch 2.5.1", false, [.bugfixRelease]),
            ("pytorch 2.5.1.*", false, [.bugfixRelease]),
            ("pytorch >=2.0,<2.5", false, [.installable]),
            ("pytorch >=2.6", false, [.upperBound, .installable]),
            // ABI packages follow the same rules: 2.5.* and >=2.5,<2.6 are fine.
            ("pytorch 2.5.*", true, []),
            ("pytorch >=2.5,<2.6", true, []),
            ("pytorch ==2.5.1", true, [.bugfixRelease]),
        ] as [(String, Bool, [CatalogLint.Finding.Rule])]
    )
    func rules(_ spec: String, _ abi: Bool, _ expected: [CatalogLint.Finding.Rule]) throws {
        let findings = try Self.findings([("kornia", "0.7.3", ["abi: \(abi)", "depends: [\"\(spec)\"]"])])
        #expect(findings.map(\.rule) == expected, "\(findings)")
        #expect(findings.allSatisfy { $0.package == "kornia" && $0.spec == spec })
    }

    @Test("a companion's lockstep pin on the core is exempt from the bugfix rule")
    func companionExempt() throws {
        let findings = try Self.findings([
            ("torchvision", "0.20.1", ["companion: true", "abi: true", "depends: [\"pytorch 2.5.1.*\"]"])
        ])
        #expect(findings.isEmpty)
    }

    @Test("dependencies outside the distribution are not linted")
    func external() throws {
        #expect(
            try Self.findings([("kornia", "0.7.3", ["depends: [\"pytorch >=1.9,<3\", \"numpy\", \"packaging >=20\"]"])])
                .isEmpty)
    }

    @Test("a finding names the package, the spec, the rule and its place")
    func findingText() throws {
        let finding = try #require(try Self.findings([("kornia", "0.7.3", ["depends: [\"pytorch >=1.9\"]"])]).first)
        #expect(finding.description.hasPrefix("15:15: kornia: 'pytorch >=1.9': no upper bound on pytorch"))
        #expect(finding.description.hasSuffix("[upper-bound]"))
    }
}
