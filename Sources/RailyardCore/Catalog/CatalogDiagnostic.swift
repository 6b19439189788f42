/// One problem in a catalog file, at the place it was written.
package struct CatalogDiagnostic: Sendable, Equatable, CustomStringConvertible {
    package var position: SourcePosition
    package var message: String

    package init(_ position: SourcePosition, _ message: String) {
        self.position = position
        self.message = message
    }

    /// `LINE:COLUMN: message`; a driver puts the file name in front.
    package var description: String { "\(position): \(message)" }
}

/// Why a catalog was refused: every problem found, in file order.
package struct CatalogError: Error, Equatable, Sendable {
    package var diagnostics: [CatalogDiagnostic]

    package init(_ diagnostics: [CatalogDiagnostic]) {
        self.diagnostics = diagnostics.sorted { $0.position < $1.position }
    }
}
