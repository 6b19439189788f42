import Foundation
import RailyardCore
import RailyardYAML
import Testing

/// Any text given as a catalog is either read or refused with diagnostics: never a crash.
@Suite("Catalog files survive mutated input")
struct CatalogRobustnessTests {
    static let pieces: [String] = [
        ":", " ", "\n", "  ", "-", "[", "]", "{", "}", ",", "'", "\"", "#", "&a", "*a", "!!str", "|", ">", "?", "~",
        "version: 1.10", "depends: [", "pytorch >=2,<", "companion: maybe", "\t", "é", "\u{0}", "---\n", "...",
    ]

    @Test("3,000 mutations of the example catalog are read or refused with a place")
    func mutations() throws {
        let example = try String(contentsOfFile: TestCatalogs.examplePath, encoding: .utf8)
        let characters = Array(example)
        var generator = SplitMix64(seed: 42)
        var refused = 0
        for _ in 0..<3_000 {
            var mutated = characters
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let position = Int(generator.next() % UInt64(mutated.count))
                let piece = Array(Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))])
                switch generator.next() % 3 {
                case 0: mutated.insert(contentsOf: piece, at: position)
                case 1: mutated.removeSubrange(position..<min(mutated.count, position + 1 + Int(generator.next() % 20)))
                default: mutated.replaceSubrange(position..<min(mutated.count, position + piece.count), with: piece)
                }
            }
            do {
                let catalog = try CatalogFile.parse(String(mutated), path: "mutated.yml")
                _ = CatalogLint.findings(catalog)
                _ = try? Planner.plan(catalog, coreVersion: Version("2.6.0"))
            } catch {
                refused += 1
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.allSatisfy { $0.position.line >= 1 && $0.position.column >= 1 })
            }
        }
        #expect(refused > 0)
    }
}
