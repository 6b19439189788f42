import Foundation
import FuzzDriver
import RailyardCore
import RailyardYAML

/// Any text is a catalog or a `CatalogFile.Failure` with places; a catalog lints and plans.
@main
enum FuzzCatalog {
    static func main() {
        let next = try! Version("2.6.0")
        FuzzDriver.run { data in
            guard let text = String(validating: data, as: UTF8.self) else { return }
            do throws(CatalogFile.Failure) {
                let catalog = try CatalogFile.parse(text, path: "fuzz.yml")
                _ = CatalogLint.findings(catalog)
                _ = try? Planner.plan(catalog, coreVersion: next)
                if let bugfix = catalog.corePackage.version.nextBugfix {
                    _ = try? Planner.plan(catalog, coreVersion: bugfix)
                }
            } catch {
                precondition(!error.diagnostics.isEmpty)
            }
        }
    }
}
