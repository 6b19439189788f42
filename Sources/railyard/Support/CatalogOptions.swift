import ArgumentParser
import RailyardCore
import RailyardYAML

/// Loads a catalog file the one way every command does: refused files print every problem as
/// `FILE:LINE:COLUMN: message` and exit 1.
func loadCatalog(_ path: String, json: Bool) throws -> Catalog {
    do {
        return try CatalogFile.load(path: path)
    } catch {
        throw refuseCatalog(error, json: json)
    }
}

func refuseCatalog(_ failure: CatalogFile.Failure, json: Bool) -> ExitCode {
    let count = failure.diagnostics.count
    if json {
        let details: [String: JSONValue] = [
            "diagnostics": .array(
                failure.diagnostics.map {
                    .object([
                        "file": .string(failure.path),
                        "line": .number($0.position.line),
                        "column": .number($0.position.column),
                        "message": .string($0.message),
                    ])
                }
            )
        ]
        var output = OutputBuffer()
        let error: JSONValue = .object([
            "error": .object([
                "code": .string("invalid-catalog"),
                "message": .string("\(failure.path): \(count) problem\(count == 1 ? "" : "s")"),
                "details": .object(details),
            ])
        ])
        output.appendLine(json: error)
        output.flush()
    }
    StandardError.write(failure.description + "\n")
    return ExitStatus.badInput
}
