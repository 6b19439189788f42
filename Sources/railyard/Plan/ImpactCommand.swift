import ArgumentParser
import RailyardCore

/// `railyard impact`: the pull-request flow when one package of the catalog is updated.
struct ImpactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impact",
        abstract: "Which packages must be tested when one package is updated, in wave order, and which need a bump.",
        discussion: """
            Example:
              railyard impact --catalog examples/pytorch/distro.yml linear_operator 0.6.0
            """
    )

    @Option(help: "The catalog file (YAML).") var catalog: String
    @Argument(help: "The package that is updated.") var package: String
    @Argument(help: "Its new version.") var newVersion: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let catalog = try loadCatalog(self.catalog, json: output.json)
        let version: Version
        do {
            version = try Version(newVersion)
        } catch {
            throw refuse(code: "invalid-version", message: error.description, json: output.json)
        }
        let impact: Impact
        do {
            impact = try Planner.impact(catalog, of: package, to: version)
        } catch {
            throw refuse(code: "unknown-package", message: error.description, json: output.json)
        }
        var out = OutputBuffer()
        if output.json {
            let object: JSONValue = .object([
                "package": .string(impact.package),
                "current_version": .string(impact.currentVersion.description),
                "version": .string(impact.version.description),
                "test": .array(
                    impact.packages.map {
                        .object([
                            "name": .string($0.name),
                            "wave": .number($0.wave),
                            "version": .string($0.currentVersion.description),
                            "needs_bump": .bool($0.needsBump),
                            "why": .string($0.why),
                        ])
                    }
                ),
            ])
            out.appendLine(json: object)
        } else {
            let bumps = impact.packages.filter(\.needsBump).count
            out.append(
                "\(impact.package) \(impact.currentVersion) -> \(impact.version): \(impact.packages.count) to test, \(bumps) need a bump\n\n"
            )
            let rows = impact.packages.map { [String($0.wave), $0.name, $0.needsBump ? "bump" : "test", $0.why] }
            out.append(Table(header: ["wave", "package", "needs", "why"], rows: rows).text)
        }
        out.flush()
    }
}
