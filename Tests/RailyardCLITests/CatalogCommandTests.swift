import Foundation
import Testing

@Suite("railyard catalog, plan and impact: the catalog commands")
struct CatalogCommandTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/pytorch/distro.yml").path

    /// Writes `text` to a scratch catalog file and returns its path.
    static func scratchCatalog(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-\(UUID().uuidString).yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("check accepts the example catalog")
    func checkExample() throws {
        let result = try RailyardProcess.run(["catalog", "check", Self.example])
        #expect(result.status == 0)
        #expect(result.stdout.contains("valid: 33 packages, core pytorch 2.5.1"))
    }

    @Test("check prints every problem as FILE:LINE:COLUMN: message and exits 2")
    func checkInvalid() throws {
        let path = try Self.scratchCatalog(
            """
            distribution: pytorch
            channel: pytorch
            core: pytorch
            release_managers: [alice]
            contacts:
              alice: {email: alice@example.org}
            packages:
              pytorch:
                version: 2.5.1
                maintainers: [alice]
              kornia:
                version: 0.7..3
                maintainers: [nobody]
                depends: ["pytorch >=1.9,<"]
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try RailyardProcess.run(["catalog", "check", path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines[0].hasPrefix("\(path):12:14: kornia.version: invalid version \"0.7..3\""))
        #expect(lines[1].hasPrefix("\(path):13:19: maintainer 'nobody' of 'kornia' has no entry in contacts"))
        #expect(lines[2].hasPrefix("\(path):14:15: kornia.depends: invalid match spec \"pytorch >=1.9,<\""))
    }

    @Test("check --json lists the diagnostics")
    func checkJSON() throws {
        let path = try Self.scratchCatalog("distribution: x\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try RailyardProcess.run(["catalog", "check", "--json", path])
        #expect(result.status == 2)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let error = try #require(object?["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalid-catalog")
        let diagnostics = try #require((error["details"] as? [String: Any])?["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.contains { ($0["message"] as? String)?.hasPrefix("missing field 'channel'") == true })
        #expect(diagnostics.allSatisfy { $0["file"] as? String == path && $0["line"] is Int })
    }

    @Test("check never prints a stack trace: unreadable, binary and garbage files get one line")
    func checkGarbage() throws {
        let missing = try RailyardProcess.run(["catalog", "check", "/nonexistent/distro.yml"])
        #expect(missing.status == 2)
        #expect(
            missing.stderr.hasPrefix("/nonexistent/distro.yml:1:1: cannot read the file: No such file or directory"))
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-\(UUID().uuidString).yml")
        try Data([0xFF, 0xFE, 0x00, 0x01, 0x80]).write(to: binary)
        defer { try? FileManager.default.removeItem(at: binary) }
        let result = try RailyardProcess.run(["catalog", "check", binary.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("not UTF-8"))
        let garbage = try Self.scratchCatalog("packages: [unclosed\n  - {a: b\n")
        defer { try? FileManager.default.removeItem(atPath: garbage) }
        let yaml = try RailyardProcess.run(["catalog", "check", garbage])
        #expect(yaml.status == 2)
        #expect(yaml.stderr.contains("invalid YAML"))
        #expect(!yaml.stderr.contains("Fatal error"))
    }

    @Test("lint exits 0 on the example and 1 with findings, naming package, spec and rule")
    func lint() throws {
        #expect(try RailyardProcess.run(["catalog", "lint", Self.example]).status == 0)
        let text = try String(contentsOfFile: Self.example, encoding: .utf8)
            .replacingOccurrences(of: "\"pytorch >=1.9.1,<2.6\"", with: "\"pytorch >=1.9.1\"")
        let path = try Self.scratchCatalog(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try RailyardProcess.run(["catalog", "lint", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("kornia: 'pytorch >=1.9.1': no upper bound on pytorch"))
        #expect(result.stdout.contains("[upper-bound]"))
        let json = try RailyardProcess.run(["catalog", "lint", "--json", path])
        let findings = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["findings"]
                as? [[String: Any]]
        )
        #expect(findings.count == 1)
        #expect(findings.first?["rule"] as? String == "upper-bound")
        #expect(findings.first?["package"] as? String == "kornia")
    }

    @Test("plan --json gives every member with reason, wave, version and why")
    func planJSON() throws {
        let result = try RailyardProcess.run([
            "plan", "--catalog", Self.example, "--core-version", "2.6.0", "--companion", "torchvision=0.21.0", "--json",
        ])
        #expect(result.status == 0)
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(plan["core"] as? String == "pytorch")
        #expect(plan["version"] as? String == "2.6.0")
        #expect(plan["kind"] as? String == "minor")
        let members = try #require(plan["members"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: members.map { ($0["name"] as! String, $0) })
        #expect(byName["torchvision"]?["reason"] as? String == "companion")
        #expect(byName["torchvision"]?["version"] as? String == "0.21.0")
        #expect(byName["torchvision"]?["suggested"] as? Bool == false)
        #expect(byName["torchaudio"]?["suggested"] as? Bool == true)
        #expect(byName["kornia"]?["reason"] as? String == "bump")
        #expect(byName["kornia"]?["why"] as? String == "'pytorch >=1.9.1,<2.6' excludes pytorch 2.6.0")
        #expect(byName["botorch"]?["wave"] as? Int == 3)
        #expect(byName["einops"] == nil)
        #expect((plan["violations"] as? [Any])?.isEmpty == true)
        let waves = members.map { $0["wave"] as! Int }
        #expect(waves == waves.sorted())
    }

    @Test("plan of a bugfix train that needs a bump exits 1 and names the violation")
    func planViolation() throws {
        let text = try String(contentsOfFile: Self.example, encoding: .utf8)
            .replacingOccurrences(of: "\"pytorch >=1.9.1,<2.6\"", with: "\"pytorch >=1.9.1,<=2.5.1\"")
        let path = try Self.scratchCatalog(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try RailyardProcess.run(["plan", "--catalog", path, "--core-version", "2.5.2"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("policy violations:"))
        #expect(result.stdout.contains("kornia: bugfix train 2.5.2: 'kornia' needs a version bump"))
    }

    @Test(
        "plan refuses bad input with exit 2 and one line",
        arguments: [
            (["--core-version", "2.6.0rc1"], "pre-release"),
            (["--core-version", "2.4.0"], "not newer"),
            (["--core-version", "2..6"], "invalid version"),
            (["--core-version", "2.6.0", "--companion", "torchfoo=1.0"], "no package of that name"),
            (["--core-version", "2.6.0", "--companion", "kornia=1.0"], "companion: true"),
            (["--core-version", "2.6.0", "--companion", "torchvision"], "NAME=VERSION"),
        ] as [([String], String)]
    )
    func planRefusals(_ arguments: [String], _ expected: String) throws {
        let result = try RailyardProcess.run(["plan", "--catalog", Self.example] + arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("impact lists what to test in wave order and which need a bump")
    func impact() throws {
        let result = try RailyardProcess.run([
            "impact", "--catalog", Self.example, "linear_operator", "0.6.0", "--json",
        ])
        #expect(result.status == 0)
        let impact = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let test = try #require(impact["test"] as? [[String: Any]])
        #expect(test.map { $0["name"] as? String } == ["linear_operator", "gpytorch", "botorch"])
        #expect(test.map { $0["needs_bump"] as? Bool } == [false, true, true])
        let unknown = try RailyardProcess.run(["impact", "--catalog", Self.example, "nope", "1.0"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no package 'nope'"))
    }
}
