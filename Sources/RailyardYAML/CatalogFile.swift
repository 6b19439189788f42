import Foundation
import RailyardCore

/// Catalog files: YAML text into the core's document tree, with every scalar exactly as written
/// and every YAML error turned into a diagnostic at its line and column.
package enum CatalogFile {
    /// Why a catalog file was refused: every problem, with its place.
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package var path: String
        package var diagnostics: [CatalogDiagnostic]

        /// `FILE:LINE:COLUMN: message`, one line per problem.
        package var description: String {
            diagnostics.map { "\(path):\($0)" }.joined(separator: "\n")
        }
    }

    /// Reads and validates the catalog at `path`.
    package static func load(path: String) throws(Failure) -> Catalog {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure(
                path: path, diagnostics: [CatalogDiagnostic(.start, "cannot read the file: \(readProblem(error))")])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw Failure(path: path, diagnostics: [CatalogDiagnostic(.start, "the file is not UTF-8 text")])
        }
        return try parse(text, path: path)
    }

    /// Validates catalog `text`; `path` only names it in diagnostics.
    package static func parse(_ text: String, path: String) throws(Failure) -> Catalog {
        do {
            return try CatalogReader.read(try document(text))
        } catch {
            throw Failure(path: path, diagnostics: error.diagnostics)
        }
    }

    /// The document tree of YAML `text`.
    package static func document(_ text: String) throws(CatalogError) -> DocumentNode {
        try YAMLEventReader.document(text)
    }

    /// A file-system error as one short sentence (the POSIX reason when there is one).
    private static func readProblem(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        return nsError.localizedDescription
    }
}

extension SourcePosition {
    /// Line 1, column 1.
    package static let start = SourcePosition(line: 1, column: 1)
}
