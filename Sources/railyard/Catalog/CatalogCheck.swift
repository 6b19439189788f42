import ArgumentParser
import RailyardCore

/// `railyard catalog check FILE`: is the catalog valid?
struct CatalogCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a catalog file; every problem is printed as FILE:LINE:COLUMN: message.",
        discussion: """
            Exits 0 when the catalog is valid and 2 otherwise.

            Example:
              railyard catalog check examples/pytorch/distro.yml
            """
    )

    @Argument(help: "The catalog file (YAML).") var file: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let catalog = try loadCatalog(file, json: output.json)
        var out = OutputBuffer()
        if output.json {
            let object: JSONValue = .object([
                "valid": .bool(true),
                "distribution": .string(catalog.distribution),
                "packages": .number(catalog.packages.count),
            ])
            out.appendLine(json: object)
        } else {
            out.append(
                "\(file): valid: \(catalog.packages.count) packages, core \(catalog.core) \(catalog.corePackage.version)\n"
            )
        }
        out.flush()
    }
}
