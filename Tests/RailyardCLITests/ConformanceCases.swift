import Foundation

/// The spec-matching cases of `Tests/Fixtures/conda-spec-matches.tsv`, for end-to-end checks.
enum ConformanceCases {
    struct Case {
        var spec: String
        var version: String
        var expected: Bool
    }

    static let all: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/conda-spec-matches.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("cannot read \(url.path)") }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Case(spec: fields[0], version: fields[1], expected: fields[2] == "true")
        }
    }()
}
