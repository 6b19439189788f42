/// A position in a source file; lines and columns count from 1.
package struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var line: Int
    package var column: Int

    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    package static func < (left: SourcePosition, right: SourcePosition) -> Bool {
        (left.line, left.column) < (right.line, right.column)
    }

    package var description: String { "\(line):\(column)" }
}

/// A parsed YAML document as the catalog reader sees it: every value with the place it was
/// written, and every scalar exactly as written (so `version: 1.10` stays `1.10`, never the
/// number 1.1). Built by a driver from the YAML text; the core only reads it.
package enum DocumentNode: Sendable {
    /// Mappings and lists inside one another, at most. A catalog needs 4; a driver refuses a
    /// deeper document while building it (code `catalog-too-deep`), so that no reader or
    /// release of the tree runs out of stack.
    package static let maximumDepth = 512

    case scalar(DocumentScalar)
    case mapping(DocumentMapping)
    case sequence([DocumentNode], SourcePosition)

    package var position: SourcePosition {
        switch self {
        case .scalar(let scalar): scalar.position
        case .mapping(let mapping): mapping.position
        case .sequence(_, let position): position
        }
    }

    /// How a person would call this kind of value in a message.
    package var kindName: String {
        switch self {
        case .scalar: "a single value"
        case .mapping: "a mapping (key: value lines)"
        case .sequence: "a list"
        }
    }
}

/// A scalar as written.
package struct DocumentScalar: Sendable {
    /// The text, without quotes.
    package var text: String
    /// Whether it was written without quotes (`1.10` rather than `"1.10"`).
    package var isPlain: Bool
    package var position: SourcePosition

    package init(text: String, isPlain: Bool, position: SourcePosition) {
        self.text = text
        self.isPlain = isPlain
        self.position = position
    }

    /// A plain `~`, `null` or nothing at all: YAML's null.
    var isNull: Bool {
        isPlain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }
}

/// A mapping, its entries in the order written.
package struct DocumentMapping: Sendable {
    package var entries: [(key: DocumentScalar, value: DocumentNode)]
    package var position: SourcePosition

    package init(entries: [(key: DocumentScalar, value: DocumentNode)], position: SourcePosition) {
        self.entries = entries
        self.position = position
    }
}
