import ArgumentParser
import RailyardCore

/// `railyard catalog show FILE`: the catalog as Railyard reads it.
struct CatalogShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the catalog as Railyard reads it: packages, versions, roles and dependencies.",
        discussion: """
            Example:
              railyard catalog show examples/pytorch/distro.yml --json
            """
    )

    @Argument(help: "The catalog file (YAML).") var file: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let catalog = try loadCatalog(file, json: output.json)
        var out = OutputBuffer()
        if output.json {
            let policy = catalog.policy
            let object: JSONValue = .object([
                "distribution": .string(catalog.distribution),
                "channel": .string(catalog.channel),
                "core": .string(catalog.core),
                "subdirs": .array(catalog.subdirs.map { .string($0) }),
                "release_managers": .array(catalog.releaseManagers.map { .string($0) }),
                "policy": .object([
                    "ack_deadline": .string(policy.ackDeadline.description),
                    "reminder_every": .string(policy.reminderEvery.description),
                    "escalate_after": .string(policy.escalateAfter.description),
                    "on_deadline": .string(policy.onDeadline.rawValue),
                    "retire_after": .string(policy.retireAfter.description),
                ]),
                "packages": .array(
                    catalog.packages.map { package in
                        .object([
                            "name": .string(package.name),
                            "version": .string(package.version.description),
                            "companion": .bool(package.isCompanion),
                            "abi": .bool(package.isABICoupled),
                            "depends": .array(package.depends.map { .string($0.spec.description) }),
                            "maintainers": .array(package.maintainers.map { .string($0) }),
                            "test": .string(package.testCommand),
                        ])
                    }
                ),
            ])
            out.appendLine(json: object)
        } else {
            out.append(
                "\(catalog.distribution) on channel \(catalog.channel); core \(catalog.core); subdirs \(catalog.subdirs.joined(separator: ", "))\n"
            )
            let rows = catalog.packages.map { package -> [String] in
                let role =
                    package.name == catalog.core
                    ? "core" : package.isCompanion ? "companion" : package.isABICoupled ? "abi" : ""
                let inDistribution = package.depends.filter { catalog[$0.name] != nil }.map(\.spec.description)
                return [package.name, package.version.description, role, inDistribution.joined(separator: "; ")]
            }
            out.append(Table(header: ["package", "version", "role", "depends (in the distribution)"], rows: rows).text)
        }
        out.flush()
    }
}
