import Foundation
import Testing

@Suite("railyard version: the CLI that CI scripts call")
struct VersionCommandTests {
    @Test("sort prints ascending conda order; equal versions keep their input order")
    func sort() throws {
        let input = "2.6.0\n2.6.0rc1\n2.5.1\n1.1.0\n1.1\n1!0.1\n0.4.1.RC\n2.6\n"
        let result = try RailyardProcess.run(["version", "sort"], input: input)
        #expect(result.status == 0)
        #expect(result.lines == ["0.4.1.RC", "1.1.0", "1.1", "2.5.1", "2.6.0rc1", "2.6.0", "2.6", "1!0.1"])
        #expect(result.stderr.isEmpty)
    }

    @Test("sort --reverse is descending and still stable")
    func sortReverse() throws {
        let result = try RailyardProcess.run(["version", "sort", "--reverse"], input: "1.1\n2.0\n1.1.0\n")
        #expect(result.lines == ["2.0", "1.1", "1.1.0"])
    }

    @Test("sort reads CRLF lines and a last line without a newline")
    func sortLineEndings() throws {
        let result = try RailyardProcess.run(["version", "sort"], input: "2.0\r\n1.0\r\n1.5")
        #expect(result.lines == ["1.0", "1.5", "2.0"])
    }

    @Test("sort of nothing prints nothing")
    func sortEmpty() throws {
        let result = try RailyardProcess.run(["version", "sort"], input: "")
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
    }

    @Test("sort refuses an invalid version: nothing on stdout, the line named on stderr, exit 2")
    func sortInvalid() throws {
        let result = try RailyardProcess.run(["version", "sort"], input: "1.0\n2.0\n3.5&1\n4.0\n")
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("line 3"))
        #expect(result.stderr.contains("3.5&1"))
        #expect(result.stderr.contains("invalid character"))
    }

    @Test("sort --json prints the versions in order, and an error object on refusal")
    func sortJSON() throws {
        let ok = try RailyardProcess.run(["version", "sort", "--json"], input: "2.0\n1.0\n")
        #expect(ok.stdout == #"{"schema":1,"versions":["1.0","2.0"]}"# + "\n")
        let bad = try RailyardProcess.run(["version", "sort", "--json"], input: "1.0\n\n")
        #expect(bad.status == 2)
        let object = try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "invalid-version")
        #expect((error?["message"] as? String)?.contains("line 2: invalid version \"\": empty version string") == true)
        #expect((error?["details"] as? [String: Any])?["line"] as? Int == 2)
    }

    @Test(
        "compare prints <, = or >",
        arguments: [
            ("2.6.0rc1", "2.6", "<"), ("1.1", "1.1.0", "="), ("1!0.1", "99", ">"), ("1.0.1_", "1.0.1a", "<"),
        ]
    )
    func compare(_ left: String, _ right: String, _ expected: String) throws {
        let result = try RailyardProcess.run(["version", "compare", left, right])
        #expect(result.status == 0)
        #expect(result.stdout == expected + "\n")
    }

    @Test("compare --json, and a refusal")
    func compareJSONAndRefusal() throws {
        let ok = try RailyardProcess.run(["version", "compare", "--json", "2.5.1", "2.6.0rc1"])
        #expect(ok.stdout == #"{"left":"2.5.1","order":"<","right":"2.6.0rc1","schema":1}"# + "\n")
        let bad = try RailyardProcess.run(["version", "compare", "1..0", "2"])
        #expect(bad.status == 2)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr.contains("\"1..0\""))
    }

    @Test("match prints true or false per version")
    func match() throws {
        let result = try RailyardProcess.run(["version", "match", ">=2.3,<2.6", "2.5.1", "2.6.0rc1", "2.6.0"])
        #expect(result.status == 0)
        #expect(result.lines == ["true", "true", "false"])
    }

    @Test("match --exit-status exits 1 when any version does not match")
    func matchExitStatus() throws {
        #expect(try RailyardProcess.run(["version", "match", "--exit-status", "2.5.*", "2.5.1"]).status == 0)
        let mismatch = try RailyardProcess.run(["version", "match", "--exit-status", "2.5.*", "2.5.1", "2.6.0"])
        #expect(mismatch.status == 1)
        #expect(mismatch.lines == ["true", "false"])
    }

    @Test("match refuses an invalid spec or version with nothing on stdout")
    func matchInvalid() throws {
        let spec = try RailyardProcess.run(["version", "match", ">=2.3,", "2.5.1"])
        #expect(spec.status == 2)
        #expect(spec.stdout.isEmpty)
        #expect(spec.stderr.contains("invalid version spec \">=2.3,\""))
        let version = try RailyardProcess.run(["version", "match", ">=2.3", "2.5.1", "2..5"])
        #expect(version.status == 2)
        #expect(version.stdout.isEmpty)
        #expect(version.stderr.contains("\"2..5\""))
    }

    @Test("match --json")
    func matchJSON() throws {
        let result = try RailyardProcess.run(["version", "match", "--json", "<2.6", "2.6.0rc1"])
        #expect(
            result.stdout == #"{"results":[{"matches":true,"version":"2.6.0rc1"}],"schema":1,"spec":"<2.6"}"# + "\n")
    }

    @Test("match --batch answers every line, errors included, and goes on")
    func batch() throws {
        let input =
            [
                ">=2.3,<2.6\t2.5.1", ">=2.3,<2.6\t2.6.0", "2.5.*\t2.5.1", "no tab here", ">=2.3,\t2.5.1",
                "<2.6\t2..6", "*\t1.0",
            ].joined(separator: "\n") + "\n"
        let result = try RailyardProcess.run(["version", "match", "--batch"], input: input)
        #expect(result.status == 2)
        #expect(result.lines.count == 7)
        #expect(Array(result.lines[0..<3]) == ["true", "false", "true"])
        #expect(result.lines[3] == "error: expected SPEC<TAB>VERSION")
        #expect(result.lines[4].hasPrefix("error: invalid version spec \">=2.3,\""))
        #expect(result.lines[5].hasPrefix("error: invalid version \"2..6\""))
        #expect(result.lines[6] == "true")
    }

    @Test("match --batch agrees with conda on every table case, end to end")
    func batchAgreesWithConda() throws {
        let cases = ConformanceCases.all
        let input = cases.map { "\($0.spec)\t\($0.version)" }.joined(separator: "\n") + "\n"
        let result = try RailyardProcess.run(["version", "match", "--batch"], input: input)
        #expect(result.status == 0)
        #expect(result.lines == cases.map { $0.expected ? "true" : "false" })
    }

    @Test("match --batch --json writes one object per line")
    func batchJSON() throws {
        let result = try RailyardProcess.run(["version", "match", "--batch", "--json"], input: "<2.6\t2.6.0rc1\nx\n")
        #expect(result.lines[0] == #"{"line":1,"matches":true,"schema":1}"#)
        #expect(
            result.lines[1]
                == #"{"error":{"code":"malformed-line","message":"expected SPEC<TAB>VERSION"},"line":2,"schema":1}"#)
    }

    @Test(
        "bad usage exits 64",
        arguments: [["version", "match", "2.5.*"], ["version", "match", "--batch", "x"], ["nope"]])
    func usage(_ arguments: [String]) throws {
        let result = try RailyardProcess.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains("Error:") || result.stderr.contains("Usage:"))
    }

    @Test("every command's help has a purpose and an example")
    func help() throws {
        for command in [["version", "sort"], ["version", "compare"], ["version", "match"], ["version"]] {
            let result = try RailyardProcess.run(command + ["--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("OVERVIEW:"))
            #expect(result.stdout.contains("railyard version"), "\(command)")
        }
    }
}
