import XCTest

/// The top-level help names every command group, with the exit codes and examples a newcomer
/// needs. (XCTest, so that both of `swift test`'s runners report what they ran.)
final class HelpTests: XCTestCase {
    func testTopLevelHelpListsEveryCommandAndTheExitCodes() throws {
        let result = try RailyardProcess.run(["--help"])
        XCTAssertEqual(result.status, 0)
        for command in ["version", "catalog", "plan", "impact", "train", "bump", "ci", "db"] {
            XCTAssertTrue(result.stdout.contains("\n  \(command) "), "--help does not list \(command)")
        }
        XCTAssertTrue(result.stdout.contains("Exit codes: 0 done; 1 refused by a rule"))
        XCTAssertTrue(result.stdout.contains("railyard plan --catalog examples/pytorch/distro.yml"))
    }

    func testVersionFlagPrintsTheVersion() throws {
        let result = try RailyardProcess.run(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "0.1.0\n")
    }
}
