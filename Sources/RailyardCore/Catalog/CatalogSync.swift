import Foundation

/// One value of a catalog file to rewrite: where it is written, what it says, what it becomes.
package struct CatalogEdit: Sendable, Equatable, Codable {
    package var package: String
    /// `version`, or `depends`.
    package var field: String
    package var line: Int
    package var column: Int
    package var from: String
    package var to: String

    package init(package: String, field: String, line: Int, column: Int, from: String, to: String) {
        self.package = package
        self.field = field
        self.line = line
        self.column = column
        self.from = from
        self.to = to
    }
}

/// Why a catalog file cannot be rewritten in place.
package struct CatalogSyncError: Error, Sendable, Equatable, CustomStringConvertible {
    package var description: String

    package init(description: String) {
        self.description = description
    }
}

/// `catalog sync`: brings a catalog's versions, and the specs the release changed, up to what a
/// released train put on `main`, as edits of the file's own text, so that its comments, order
/// and quoting stay as they were (the file lives in git and changes by pull request).
package enum CatalogSync {
    /// What a released train says of one package: the version now on `main`, and the specs its
    /// build declared (empty when it brought no build).
    package struct Released: Sendable, Equatable {
        package var version: String
        package var depends: [String]

        package init(version: String, depends: [String]) {
            self.version = version
            self.depends = depends
        }
    }

    /// The edits that make the catalog say what `released` says, found in `document` (the
    /// file's parsed form, with positions): each package's `version`, and each item of its
    /// `depends` whose package the build pins otherwise.
    package static func edits(document: DocumentNode, released: [String: Released]) -> [CatalogEdit] {
        guard case .mapping(let root) = document,
            case .mapping(let packages)? = root.entries.first(where: { $0.key.text == "packages" })?.value
        else { return [] }
        var edits: [CatalogEdit] = []
        for (key, value) in packages.entries {
            guard let now = released[key.text], case .mapping(let fields) = value else { continue }
            for (field, node) in fields.entries {
                switch (field.text, node) {
                case ("version", .scalar(let scalar)) where scalar.text != now.version:
                    edits.append(edit(key.text, "version", scalar, to: now.version))
                case ("depends", .sequence(let items, _)) where !now.depends.isEmpty:
                    for case .scalar(let scalar) in items {
                        guard let name = (try? MatchSpec(scalar.text))?.exactName,
                            let spec = now.depends.first(where: { (try? MatchSpec($0))?.exactName == name }),
                            spec != scalar.text
                        else { continue }
                        edits.append(edit(key.text, "depends", scalar, to: spec))
                    }
                default: continue
                }
            }
        }
        return edits
    }

    private static func edit(_ package: String, _ field: String, _ scalar: DocumentScalar, to: String) -> CatalogEdit {
        CatalogEdit(
            package: package, field: field, line: scalar.position.line, column: scalar.position.column,
            from: scalar.text, to: to)
    }

    /// `text` with each edit made where it is written, in its quoting: everything else, the
    /// comments included, byte for byte as it was.
    package static func apply(_ edits: [CatalogEdit], to text: String) throws(CatalogSyncError) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Right to left within a line, so that an edit does not move the next one's column.
        for edit in edits.sorted(by: { $0.line != $1.line ? $0.line < $1.line : $0.column > $1.column }) {
            guard edit.line >= 1, edit.line <= lines.count else {
                throw CatalogSyncError(description: "line \(edit.line): not in the file")
            }
            var characters = Array(lines[edit.line - 1])
            let start = edit.column - 1
            guard start >= 0, start < characters.count else {
                throw CatalogSyncError(description: "line \(edit.line), column \(edit.column): not in the line")
            }
            let quote: Character? = ["\"", "'"].contains(characters[start]) ? characters[start] : nil
            let old = Array((quote.map { String($0) } ?? "") + edit.from + (quote.map { String($0) } ?? ""))
            guard characters.count >= start + old.count, Array(characters[start..<start + old.count]) == old else {
                throw CatalogSyncError(
                    description: "line \(edit.line), column \(edit.column): expected \(String(old)) there")
            }
            let new = Array((quote.map { String($0) } ?? "") + edit.to + (quote.map { String($0) } ?? ""))
            characters.replaceSubrange(start..<start + old.count, with: new)
            lines[edit.line - 1] = String(characters)
        }
        return lines.joined(separator: "\n")
    }
}
