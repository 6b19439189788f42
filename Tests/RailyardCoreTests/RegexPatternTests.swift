import Foundation
import RailyardCore
import Testing

/// The regex matcher against Python's `re.match`, and its limits.
@Suite("Regex specs: Python's answers, in linear time")
struct RegexPatternTests {
    struct Row: Decodable, Sendable, CustomStringConvertible {
        var pattern: String
        var text: String
        var python: String
        var description: String { "\(pattern.debugDescription) on \(text.debugDescription)" }
    }

    /// `Tests/Fixtures/python-re-matches.jsonl`, written by `make-python-re-table.py` with Python 3.11.
    static func table() throws -> [Row] {
        let text = try String(
            contentsOf: Fixtures.directory.appendingPathComponent("python-re-matches.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
    }

    @Test("every row of the Python table gets Python's answer")
    func pythonTable() throws {
        let rows = try Self.table()
        #expect(rows.count > 7_000)
        for row in rows {
            let compiled = Result { () throws(RegexError) in try RegexPattern(row.pattern) }
            switch (row.python, compiled) {
            case ("match", .success(let regex)):
                #expect(regex.matches(row.text), "\(row)")
            case ("no-match", .success(let regex)):
                #expect(!regex.matches(row.text), "\(row)")
            case ("error", .failure):
                // Refused, as Python does; `\1` without a group is "unsupported" here, an error there.
                break
            case ("unsupported", .failure(let error)):
                #expect(error.code == "unsupported-regex", "\(row): \(error)")
            default:
                Issue.record("\(row): Python says \(row.python), Railyard \(compiled)")
            }
        }
    }

    @Test(
        "catastrophic patterns answer in milliseconds",
        arguments: [
            ("^1.(a+)+$", "1." + String(repeating: "a", count: 5_000) + "b"),
            ("^(.*.*.*.*.*.*)*X$", String(repeating: "a", count: 2_000)),
            ("^(a|a)*b$", String(repeating: "a", count: 5_000)),
            ("^((a+)+)+$", String(repeating: "a", count: 5_000) + "b"),
        ])
    func catastrophic(pattern: String, text: String) throws {
        let regex = try RegexPattern(pattern)
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(!regex.matches(text)) }
        #expect(elapsed < .seconds(1), "\(pattern): \(elapsed)")
    }

    @Test("a version spec and a match spec with the issue's patterns answer at once")
    func specsFromTheIssue() throws {
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            let spec = try VersionSpec("^1.(a+)+$")
            #expect(!spec.matches(try Version("1.aaaaaaaaaaaaaaaaaaaab")))
            let match = try MatchSpec("pytorch ^(.*.*.*.*.*.*)*X$")
            #expect(!match.matches(name: "pytorch", version: try Version(String(repeating: "1.", count: 40) + "0")))
        }
        #expect(elapsed < .seconds(1))
    }

    @Test(
        "limits are refused as spec-too-complex",
        arguments: [
            "^a{1001}$", "^(a{1000}){1000}$",
            "^" + String(repeating: "(", count: 65) + String(repeating: ")", count: 65)
                + "$", "^" + String(repeating: "a", count: 4_097) + "$",
        ])
    func limits(pattern: String) {
        #expect(throws: RegexError.self) { try RegexPattern(pattern) }
        do {
            _ = try RegexPattern(pattern)
        } catch {
            #expect(error.code == "spec-too-complex")
        }
    }

    @Test("unsupported constructs are refused by name")
    func unsupported() throws {
        do {
            _ = try MatchSpec("numpy * ^(py)\\1$")
            Issue.record("accepted a backreference")
        } catch {
            #expect(error.code == "unsupported-regex")
            #expect(error.description.contains("backreference"))
        }
    }
}
