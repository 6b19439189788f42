import Foundation
import RailyardChannel
import RailyardCore
import Testing

/// Repodata from outside: deep nesting and numbers beyond 64 bits are refused, never a crash.
@Suite("JSON reader limits")
struct JSONLimitTests {
    @Test("a repodata.json nested 100,000 deep is refused naming the limit")
    func deepRepodata() {
        let text = "{\"info\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        do {
            _ = try Repodata.read(Data(text.utf8), path: "repodata.json")
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("json-too-deep"))
            #expect(error.description.contains("64"))
        }
    }

    @Test("a build_number of 1e300 is refused, not converted with a trap")
    func hugeBuildNumber() {
        let text = """
            {"info":{"subdir":"noarch"},"packages.conda":{"a-1-0.conda":{"name":"a","version":"1","build":"0",\
            "build_number":1e300,"depends":[],"subdir":"noarch","size":1,"sha256":"00","md5":"00"}}}
            """
        do {
            _ = try Repodata.read(Data(text.utf8), path: "repodata.json")
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("build_number"))
        }
    }
}
