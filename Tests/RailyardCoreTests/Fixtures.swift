import Foundation

/// Test data shared by the test targets, kept in `Tests/Fixtures`.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The `spec<TAB>version<TAB>true|false` rows of `conda-spec-matches.tsv`.
    static func specMatches() -> [SpecCase] {
        let url = directory.appendingPathComponent("conda-spec-matches.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("cannot read \(url.path)")
        }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            precondition(fields.count == 3, "malformed fixture line: \(line)")
            return SpecCase(fields[0], fields[1], fields[2] == "true")
        }
    }
}
