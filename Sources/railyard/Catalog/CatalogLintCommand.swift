import ArgumentParser
import RailyardCore

/// `railyard catalog lint FILE`: the distribution's policy over a valid catalog.
struct CatalogLintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract:
            "Check the catalog against the distribution's policy (upper bounds, bugfix releases, installability).",
        discussion: """
            Rules: upper-bound (every dependency on a distribution package has an upper bound), \
            bugfix-release (no bound excludes the next bugfix release of what it names; a \
            companion's pin on the core is exempt), installable (every dependency admits the \
            current version of the package it names). Exits 0 with no findings, 1 with findings, \
            2 when the catalog is invalid.

            Example:
              railyard catalog lint examples/pytorch/distro.yml
            """
    )

    @Argument(help: "The catalog file (YAML).") var file: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let catalog = try loadCatalog(file, json: output.json)
        let findings = CatalogLint.findings(catalog)
        var out = OutputBuffer()
        if output.json {
            let object: JSONValue = .object([
                "findings": .array(
                    findings.map {
                        .object([
                            "package": .string($0.package),
                            "spec": .string($0.spec),
                            "rule": .string($0.rule.rawValue),
                            "message": .string($0.message),
                            "line": .number($0.position.line),
                            "column": .number($0.position.column),
                        ])
                    }
                )
            ])
            out.appendLine(json: object)
        } else {
            for finding in findings { out.append("\(file):\(finding)\n") }
            out.append(
                findings.isEmpty
                    ? "\(file): no findings\n" : "\(findings.count) finding\(findings.count == 1 ? "" : "s")\n")
        }
        out.flush()
        if !findings.isEmpty { throw ExitStatus.refused }
    }
}
