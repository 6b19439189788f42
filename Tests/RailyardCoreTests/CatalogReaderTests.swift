import RailyardCore
import RailyardYAML
import Testing

@Suite("Catalog: reading and validating the distribution's file")
struct CatalogReaderTests {
    @Test("the example catalog of the PyTorch ecosystem is valid")
    func example() throws {
        let catalog = try CatalogFile.load(path: TestCatalogs.examplePath)
        #expect(catalog.core == "pytorch")
        #expect(catalog.corePackage.version == (try Version("2.5.1")))
        #expect(catalog.packages.count >= 24)
        #expect(catalog.companions.map(\.name) == ["torchvision", "torchaudio", "torchtext"])
        #expect(catalog.subdirs == ["linux-64", "osx-arm64", "win-64", "noarch"])
        #expect(catalog["kornia"]?.testCommand == "pytest --pyargs kornia")
        #expect(catalog["captum"]?.testCommand == "conda-build --test")
        #expect(catalog.policy == .defaults)
        #expect(catalog.contacts.first { $0.name == "kornia-team" }?.secretEnvironmentVariable == "KORNIA_HOOK_SECRET")
    }

    @Test("defaults: subdirs linux-64 and noarch, the documented policy")
    func defaults() throws {
        let catalog = try TestCatalogs.catalog(TestCatalogs.yaml([("pytorch", "2.5.1", [])]))
        #expect(catalog.subdirs == ["linux-64", "noarch"])
        #expect(catalog.policy.ackDeadline == PolicyDuration(days: 7))
        #expect(catalog.policy.reminderEvery == PolicyDuration(days: 2))
        #expect(catalog.policy.escalateAfter == PolicyDuration(days: 10))
        #expect(catalog.policy.onDeadline == .escalate)
        #expect(catalog.policy.retireAfter == PolicyDuration(days: 60))
    }

    @Test("a version is read exactly as written: 1.10 stays 1.10, never the number 1.1")
    func versionFromSourceText() throws {
        let catalog = try TestCatalogs.catalog(TestCatalogs.yaml([("pytorch", "2.5.1", []), ("gpytorch", "1.10", [])]))
        #expect(catalog["gpytorch"]?.version.description == "1.10")
        #expect(catalog["gpytorch"]?.version != (try Version("1.1")))
    }

    @Test("durations: Nd, Nh, Nm", arguments: [("7d", 604_800), ("12h", 43_200), ("30m", 1_800)] as [(String, Int64)])
    func durations(_ text: String, _ seconds: Int64) {
        #expect(PolicyDuration(text)?.seconds == seconds)
        #expect(PolicyDuration(text)?.description == text)
    }

    @Test("invalid durations", arguments: ["7", "d", "7w", "-1d", "0d", "1.5d", "7 d", ""])
    func invalidDurations(_ text: String) {
        #expect(PolicyDuration(text) == nil)
    }

    static let header = TestCatalogs.header
    static let pytorch = "  pytorch:\n    version: 2.5.1\n    maintainers: [alice]\n"

    /// (what is wrong, the catalog text, the expected `LINE:COLUMN: message` start).
    static let invalid: [(String, String, String)] = [
        ("unknown top-level field", "colour: blue\n" + header + pytorch, "1:1: unknown field 'colour' in the catalog"),
        (
            "unknown package field",
            header + pytorch + "  kornia:\n    version: 0.7.3\n    maintainers: [team]\n    colour: red\n",
            "15:5: unknown field 'colour' in package 'kornia'"
        ),
        (
            "missing version", header + pytorch + "  kornia:\n    maintainers: [team]\n",
            "12:3: package 'kornia' has no version"
        ),
        (
            "invalid version", header + pytorch + "  kornia:\n    version: 0.7..3\n    maintainers: [team]\n",
            "13:14: kornia.version: invalid version \"0.7..3\": empty version component"
        ),
        (
            "invalid spec",
            header + pytorch
                + "  kornia:\n    version: 0.7.3\n    maintainers: [team]\n    depends: [\"pytorch >=1.9,<\"]\n",
            "15:15: kornia.depends: invalid match spec \"pytorch >=1.9,<\": operator \"<\" has no version after it"
        ),
        (
            "maintainer without contact",
            header + pytorch + "  kornia:\n    version: 0.7.3\n    maintainers: [carol]\n",
            "14:19: maintainer 'carol' of 'kornia' has no entry in contacts"
        ),
        (
            "duplicate key",
            header + pytorch + "  kornia:\n    version: 0.7.3\n    version: 0.7.4\n    maintainers: [team]\n",
            "14:5: duplicate key 'version' in package 'kornia'"
        ),
        (
            "more than one core",
            header.replacingOccurrences(of: "core: pytorch", with: "core: [pytorch, jax]") + pytorch,
            "3:7: more than one core"
        ),
        (
            "core not a package", header.replacingOccurrences(of: "core: pytorch", with: "core: torch") + pytorch,
            "3:7: core 'torch' is not one of the packages"
        ),
        (
            "release manager without contact",
            header.replacingOccurrences(of: "[alice]", with: "[alice, dave]") + pytorch,
            "4:27: release manager 'dave' has no entry in contacts"
        ),
        (
            "bad duration", "policy:\n  ack_deadline: 7w\n" + header + pytorch,
            "2:17: policy.ack_deadline '7w' is not a duration"
        ),
        (
            "bad on_deadline", "policy:\n  on_deadline: panic\n" + header + pytorch,
            "2:16: policy.on_deadline 'panic' must be escalate or exclude"
        ),
        ("unknown subdir", "subdirs: [linux-64, amiga-68k]\n" + header + pytorch, "1:21: unknown subdir 'amiga-68k'"),
        (
            "not a boolean",
            header + pytorch + "  kornia:\n    version: 0.7.3\n    maintainers: [team]\n    abi: yes\n",
            "15:10: kornia.abi is 'yes'; expected true or false"
        ),
        (
            "a list where a value belongs",
            header.replacingOccurrences(of: "channel: pytorch", with: "channel: [a, b]") + pytorch,
            "2:10: channel is a list; expected a single value"
        ),
        ("YAML syntax error", header + pytorch + "  kornia: {version: 0.7.3\n", "13:1: invalid YAML"),
        ("not a mapping", "- just\n- a list\n", "1:1: a catalog is a mapping"),
        ("empty file", "", "1:1: the catalog is empty"),
        (
            "contact without a route",
            header.replacingOccurrences(of: "team: {email: team@example.org}", with: "team: {}") + pytorch,
            "7:3: contact 'team' has neither an email nor a webhook"
        ),
        (
            "self dependency",
            header + pytorch + "  kornia:\n    version: 0.7.3\n    maintainers: [team]\n    depends: [kornia]\n",
            "15:15: 'kornia' depends on itself"
        ),
        (
            "invalid package name", header + pytorch + "  Kornia!:\n    version: 0.7.3\n    maintainers: [team]\n",
            "12:3: 'Kornia!' is not a conda package name"
        ),
    ]

    @Test("every problem is reported at its line and column", arguments: invalid)
    func problem(_ what: String, _ text: String, _ expected: String) {
        let problems = TestCatalogs.problems(text)
        #expect(problems.contains { $0.hasPrefix(expected) }, "\(what): \(problems)")
    }

    @Test("a dependency cycle names every package on it")
    func cycle() {
        let text = TestCatalogs.yaml([
            ("pytorch", "2.5.1", []),
            ("a", "1.0", ["depends: [\"b >=1,<2\", \"pytorch >=2,<3\"]"]),
            ("b", "1.0", ["depends: [\"c >=1,<2\"]"]),
            ("c", "1.0", ["depends: [\"a >=1,<2\"]"]),
            ("d", "1.0", ["depends: [\"a >=1,<2\"]"]),
        ])
        let problems = TestCatalogs.problems(text)
        #expect(problems.count == 1)
        #expect(problems.first?.hasSuffix("dependency cycle: a -> b -> c -> a") == true, "\(problems)")
    }

    @Test("all problems are reported together, in file order")
    func severalProblems() {
        let text = "colour: blue\n" + Self.header + "  pytorch:\n    version: 2..5\n    maintainers: [zed]\n"
        let problems = TestCatalogs.problems(text)
        #expect(problems.count == 3, "\(problems)")
        #expect(
            problems
                == problems.sorted {
                    $0.split(separator: ":").compactMap { Int($0) }.lexicographicallyPrecedes(
                        $1.split(separator: ":").compactMap { Int($0) })
                })
    }
}

@Suite("catalog sync's edits: in the file's own text, quoting kept")
struct CatalogSyncEditTests {
    @Test("several values on one line of a flow mapping, quoted and plain; a mismatch refused, naming the place")
    func apply() throws {
        let text = """
            # comment kept
            packages:
              pytorch-cuda: {version: "12.1", support: true}  # trailing comment
              torchvision: {version: 0.20.1, depends: ['pytorch 2.5.1.*']}
            """
        let edits = [
            CatalogEdit(package: "pytorch-cuda", field: "version", line: 3, column: 27, from: "12.1", to: "12.4"),
            CatalogEdit(package: "torchvision", field: "version", line: 4, column: 26, from: "0.20.1", to: "0.21.0"),
            CatalogEdit(
                package: "torchvision", field: "depends", line: 4, column: 44, from: "pytorch 2.5.1.*",
                to: "pytorch 2.6.0.*"),
        ]
        #expect(
            try CatalogSync.apply(edits, to: text) == """
                # comment kept
                packages:
                  pytorch-cuda: {version: "12.4", support: true}  # trailing comment
                  torchvision: {version: 0.21.0, depends: ['pytorch 2.6.0.*']}
                """)
        #expect(throws: CatalogSyncError.self) {
            try CatalogSync.apply(
                [CatalogEdit(package: "x", field: "version", line: 4, column: 26, from: "9.9", to: "1.0")], to: text)
        }
    }
}
