import Foundation
import RailyardCore
import Testing

@Suite("Train: who is told what")
struct TrainNoticeTests {
    @Test("requests go to the package's maintainers, stage changes to the release managers")
    func requestsAndStages() throws {
        var script = try TrainScript()
        try script.must(.registerRC(number: 1, artifacts: .rc("linux-64")))
        try script.must(.advance)
        let events = try script.must(.advance)
        let notices = script.train.notices(for: events)
        #expect(notices.map(\.kind) == ["stage", "digest", "request"])
        #expect(notices[0].recipients == ["alice"])
        #expect(notices[0].payload["stage"] == "companions")
        // Every maintainer of a member in the train reads a digest of the stage change.
        #expect(notices[1].recipients == ["team"])
        #expect(notices[1].payload["about"] == "stage")
        #expect(notices[2].recipients == ["team"])
        #expect(notices[2].payload["member"] == "torchvision")
        #expect(notices[2].payload["reason"] == "companion")
        #expect(notices[2].payload["deadline"] != nil)
    }

    @Test("a failed test tells its maintainers, not the maintainers of the members waiting for it")
    func failure() throws {
        var script = try TrainScript.train(in: .downstream)
        try script.buildAndPass("scatter", version: "2.1.3", depends: ["pytorch 2.6.*"])
        try script.must(.startTest(member: "captum"), by: TrainScript.runner)
        let events = try script.must(
            .reportTest(member: "captum", rc: 1, passed: false, log: "https://ci.example.org/7"),
            by: TrainScript.runner
        )
        let notices = script.train.notices(for: events)
        #expect(notices.count == 1)
        #expect(notices.first?.kind == "blocked")
        #expect(notices.first?.payload["member"] == "captum")
        #expect(notices.first?.payload["log"] == "https://ci.example.org/7")
        // A passing test and an acknowledgement call for nobody.
        try script.must(.startTest(member: "timm"), by: TrainScript.runner)
        let passed = try script.must(.reportTest(member: "timm", rc: 1, passed: true, log: nil), by: TrainScript.runner)
        #expect(script.train.notices(for: passed).isEmpty)
    }

    @Test("declines and exclusions tell the maintainers and the release managers")
    func declineAndExclusion() throws {
        var script = try TrainScript.train(in: .downstream)
        let declined = try script.must(.decline(member: "kornia", reason: "busy"), by: TrainScript.team)
        #expect(script.train.notices(for: declined).map(\.recipients) == [["team", "alice"]])
        let excluded = try script.must(.exclude(member: "kornia", reason: "declined", cascade: false))
        #expect(script.train.notices(for: excluded).map(\.kind) == ["excluded"])
    }
}
