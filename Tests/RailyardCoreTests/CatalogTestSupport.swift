import Foundation
import RailyardCore
import RailyardYAML

/// Catalogs for tests, written as the YAML a distribution admin writes.
enum TestCatalogs {
    /// The top of a valid catalog; packages follow.
    static let header = """
        distribution: pytorch
        channel: pytorch
        core: pytorch
        release_managers: [alice]
        contacts:
          alice: {email: alice@example.org}
          team: {email: team@example.org}
        packages:

        """

    /// `header` plus one package per entry: (name, version, extra YAML lines for it).
    static func yaml(_ packages: [(String, String, [String])]) -> String {
        header
            + packages.map { name, version, lines in
                (["  \(name):", "    version: \(version)", "    maintainers: [team]"] + lines.map { "    " + $0 })
                    .joined(separator: "\n")
            }.joined(separator: "\n") + "\n"
    }

    static func catalog(_ text: String) throws -> Catalog {
        try CatalogFile.parse(text, path: "test.yml")
    }

    /// The problems a catalog text has, as `LINE:COLUMN: message`.
    static func problems(_ text: String) -> [String] {
        do {
            _ = try CatalogFile.parse(text, path: "test.yml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    static let examplePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/pytorch/distro.yml").path
}
