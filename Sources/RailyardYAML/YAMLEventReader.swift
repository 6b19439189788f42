import CYAML
import RailyardCore

/// Builds the core's document tree straight from libyaml's parse events: no intermediate tree,
/// no tag resolution (every scalar stays the text it was written as).
enum YAMLEventReader {
    /// A container being filled; a class, so that appending never copies what is already there.
    private final class Frame {
        let position: SourcePosition
        let isMapping: Bool
        var entries: [(key: DocumentScalar, value: DocumentNode)] = []
        var items: [DocumentNode] = []
        var pendingKey: DocumentScalar? = nil

        init(position: SourcePosition, isMapping: Bool) {
            self.position = position
            self.isMapping = isMapping
        }

        var node: DocumentNode {
            isMapping ? .mapping(DocumentMapping(entries: entries, position: position)) : .sequence(items, position)
        }
    }

    static func document(_ text: String) throws(CatalogError) -> DocumentNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw CatalogError([CatalogDiagnostic(.start, "cannot start the YAML parser (out of memory)")])
        }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(CatalogError) -> DocumentNode in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            return try read(&parser)
        }
    }

    private static func read(_ parser: inout yaml_parser_t) throws(CatalogError) -> DocumentNode {
        var stack: [Frame] = []
        var root: DocumentNode? = nil
        var documents = 0
        var problems: [CatalogDiagnostic] = []
        var event = yaml_event_t()

        func add(_ node: DocumentNode, _ stack: inout [Frame], _ root: inout DocumentNode?) {
            guard let top = stack.last else {
                root = node
                return
            }
            if !top.isMapping {
                top.items.append(node)
            } else if let key = top.pendingKey {
                top.entries.append((key, node))
                top.pendingKey = nil
            } else if case .scalar(let key) = node {
                top.pendingKey = key
            } else {
                problems.append(CatalogDiagnostic(node.position, "a key must be a plain name, not \(node.kindName)"))
                top.pendingKey = DocumentScalar(text: "", isPlain: false, position: node.position)
            }
        }

        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw CatalogError([parseError(parser)])
            }
            defer { yaml_event_delete(&event) }
            let position = SourcePosition(event.start_mark)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                if !problems.isEmpty { throw CatalogError(problems) }
                guard let root else { throw CatalogError([CatalogDiagnostic(.start, "the catalog is empty")]) }
                return root
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    throw CatalogError([CatalogDiagnostic(position, "a catalog is one YAML document; found a second")])
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let value = String(
                    decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length),
                    as: UTF8.self
                )
                add(
                    .scalar(
                        DocumentScalar(
                            text: value, isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE, position: position)),
                    &stack,
                    &root
                )
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard stack.count < DocumentNode.maximumDepth else {
                    throw CatalogError([
                        CatalogDiagnostic(
                            position,
                            "catalog-too-deep: lists and mappings nested deeper than \(DocumentNode.maximumDepth)"
                                + " levels (a catalog needs 4); flatten the document")
                    ])
                }
                stack.append(Frame(position: position, isMapping: event.type == YAML_MAPPING_START_EVENT))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let top = stack.popLast() else { continue }
                add(top.node, &stack, &root)
            case YAML_ALIAS_EVENT:
                problems.append(
                    CatalogDiagnostic(
                        position, "YAML aliases (*name) are not allowed in a catalog; write the value out")
                )
                add(.scalar(DocumentScalar(text: "", isPlain: true, position: position)), &stack, &root)
            default:
                continue
            }
        }
    }

    private static func parseError(_ parser: yaml_parser_t) -> CatalogDiagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        let context = parser.context.map { " \(String(cString: $0)) at \(SourcePosition(parser.context_mark))" } ?? ""
        let kind: String
        switch parser.error {
        case YAML_READER_ERROR: kind = "invalid text"
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR: kind = "invalid YAML"
        default: kind = "cannot read the YAML"
        }
        return CatalogDiagnostic(
            SourcePosition(parser.problem_mark),
            "\(kind): \(problem)\(context.isEmpty ? "" : " (\(context.dropFirst()))")")
    }
}

extension SourcePosition {
    /// libyaml counts lines and columns from 0.
    init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
