import Foundation
import Testing

@testable import RailyardCore

/// `train supersede`: a train that will not ship ends, and the next one takes over what still
/// holds; everything else is listed with its reason.
@Suite("superseding a train: what carries over, what does not, and who may")
struct TrainSupersedeTests {
    /// A 2.6.0 train in downstream: torchvision built and passed, kornia and scatter asked for.
    static func downstream() throws -> TrainScript {
        try TrainScript.train(in: .downstream)
    }

    /// The next train, planned from `catalogText` at `version`, as `train create` makes it.
    static func next(_ version: String = "2.7.0", catalogText: String = TrainScript.catalogText, at time: Date)
        throws -> Train
    {
        let catalog = try TestCatalogs.catalog(catalogText)
        let plan = try Planner.plan(catalog, coreVersion: Version(version))
        return try Train.create(plan: plan, catalog: catalog, by: TrainScript.alice, at: time)
    }

    static func carries(_ supersession: Supersession) -> [String: [String]] {
        Dictionary(grouping: supersession.carries, by: { $0.carried ? "carried" : "left" })
            .mapValues { $0.map { "\($0.member) \($0.what)" } }
    }

    @Test(
        "declines, exclusions and a build whose specs admit 2.7.0 carry over; RC-tied builds, results and the RC do not"
    )
    func carriesWhatHolds() throws {
        var old = try Self.downstream()
        try old.must(
            .registerBuild(member: "kornia", version: Version("0.7.5"), depends: ["pytorch >=2.0,<3"]),
            by: TrainScript.team)
        try old.pass("kornia")
        try old.must(.decline(member: "scatter", reason: "waiting for the CUDA 12.8 toolchain"), by: TrainScript.team)
        try old.must(.exclude(member: "pyg", reason: "upstream archived", cascade: false))
        try old.pass("captum")
        let time = old.now.addingTimeInterval(60)
        var next = try Self.next(at: time)
        let decided = try old.train.supersede(by: next, by: TrainScript.alice, at: time).get()
        #expect(
            Set(Self.carries(decided)["carried"] ?? [])
                == ["kornia build", "scatter decline", "pyg exclusion"])
        #expect(
            Set(Self.carries(decided)["left"] ?? [])
                == [
                    "pytorch rc", "torchvision build", "torchvision test result", "kornia test result",
                    "captum test result",
                ])
        let torchvision = try #require(decided.carries.first { $0.member == "torchvision" && $0.what == "build" })
        #expect(torchvision.detail.contains("built against 2.6.0 RC 1"), "\(torchvision.detail)")
        #expect(torchvision.detail.contains("redone against each RC of 2.7.0"))

        // The old train ends, saying by what; the new one records what it took over.
        var ended = old.train
        ended.apply(decided.ended, by: TrainScript.alice, at: time)
        #expect(ended.stage == .aborted)
        #expect(ended.supersededBy == "2.7.0")
        #expect(ended.abortReason == "superseded by train 2.7.0")
        #expect(ended.history.last?.stage == .aborted)
        next.apply([.created(next)], by: TrainScript.alice, at: time)
        next.apply(decided.started, by: TrainScript.alice, at: time)
        #expect(next.supersedes == "2.6.0")
        #expect(next.member("kornia")?.state == .built)
        #expect(next.member("kornia")?.build?.version == (try Version("0.7.5")))
        #expect(next.member("kornia")?.build?.rc == nil)
        #expect(next.member("kornia")?.targetVersion == (try Version("0.7.5")))
        #expect(next.member("kornia")?.result == nil)
        #expect(next.member("scatter")?.state == .declined)
        #expect(next.member("scatter")?.declineReason == "waiting for the CUDA 12.8 toolchain")
        #expect(next.member("pyg")?.state == .excluded)
        #expect(next.member("pyg")?.exclusion?.reason == "upstream archived")
        #expect(next.member("pyg")?.exclusion?.by == "alice")
        #expect(next.member("torchvision")?.state == .pending)
        #expect(next.member("captum")?.state == .built)
        #expect(next.member("captum")?.result == nil)

        // Both logs say it, every item named.
        let endedLine = decided.ended[0].summary
        #expect(endedLine.hasPrefix("superseded by train 2.7.0: 3 carried to 2.7.0"), "\(endedLine)")
        #expect(endedLine.contains("5 not carried"))
        #expect(decided.started[0].summary.hasPrefix("supersedes train 2.6.0: 3 carried from 2.6.0"))
        #expect(
            decided.started.map(\.summary).contains(
                "kornia: build carried from 2.6.0: 0.7.5, a candidate to be tested again"))

        // The maintainers whose work carried over are told, naming both trains; the release
        // managers and every maintainer hear that the old train ended.
        let told = next.notices(for: decided.started)
        #expect(told.map(\.kind) == ["carried", "carried"])
        #expect(Set(told.compactMap { $0.payload["member"] }) == ["kornia", "scatter"])
        #expect(told.allSatisfy { $0.payload["from"] == "2.6.0" && $0.payload["train"] == "2.7.0" })
        let kornia = try #require(told.first { $0.payload["member"] == "kornia" })
        let text = NoticeText(kind: "carried", train: "2.7.0", payload: kornia.payload, server: "http://ry")
        #expect(text.subject == "[railyard] torch 2.7.0: kornia's work carried over from 2.6.0")
        #expect(text.body.contains("takes over your build 0.7.5 for kornia"))
        let endNotices = ended.notices(for: decided.ended)
        #expect(endNotices.map(\.kind) == ["superseded", "digest"])
        #expect(
            NoticeText(kind: "superseded", train: "2.6.0", payload: endNotices[0].payload, server: "http://ry").subject
                == "[railyard] torch 2.6.0: superseded by train 2.7.0, which carries on its work")
    }

    @Test("a carried build is a candidate: the new train tests it against its own RC, and asks no one for it")
    func carriedBuildIsRetested() throws {
        var old = try Self.downstream()
        try old.must(
            .registerBuild(member: "kornia", version: Version("0.7.5"), depends: ["pytorch >=2.0,<3"]),
            by: TrainScript.team)
        let time = old.now.addingTimeInterval(60)
        let initial = try Self.next(at: time)
        let decided = try old.train.supersede(by: initial, by: TrainScript.alice, at: time).get()
        var script = try TrainScript(version: "2.7.0")
        script.history.append((decided.started, TrainScript.alice, script.now))
        script.train.apply(decided.started, by: TrainScript.alice, at: script.now)
        try script.must(
            .registerRC(
                number: 1,
                artifacts: [
                    Artifact(
                        subdir: "linux-64", fileName: "pytorch-2.7.0-py311_0.conda",
                        sha256: String(repeating: "b", count: 64))
                ]))
        try script.must(.advance)
        try script.must(.advance)
        try script.buildAndPass("torchvision", version: "0.22.0", depends: ["pytorch 2.7.0.*"])
        let entered = try script.must(.advance)
        let requested = entered.compactMap { event -> String? in
            if case .requested(let member, _) = event { return member }
            return nil
        }
        #expect(!requested.contains("kornia"), "\(requested)")
        #expect(requested.contains("scatter"))
        try script.pass("kornia")
        #expect(script.train.member("kornia")?.result?.rc == 1)
        #expect(script.train.member("kornia")?.state == .passed)
        // The log alone rebuilds the train, carried work included.
        #expect(script.replayed == script.train)
    }

    @Test(
        "an acknowledgement keeps its ETA and deadline; a build whose spec excludes 2.7.0, a waiver and an unanswered request do not carry"
    )
    func acknowledgementsAndWhatIsLeft() throws {
        var old = try Self.downstream()
        let eta = old.now.addingTimeInterval(7 * 86_400)
        try old.must(.acknowledge(member: "scatter", eta: eta), by: TrainScript.team)
        let deadline = try #require(old.train.member("scatter")?.deadline)
        try old.must(
            .registerBuild(member: "kornia", version: Version("0.7.4"), depends: ["pytorch >=1.9.1,<2.7"]),
            by: TrainScript.team)
        try old.must(.startTest(member: "kornia"), by: TrainScript.runner)
        try old.must(.reportTest(member: "kornia", rc: 1, passed: false, log: "flaky"), by: TrainScript.runner)
        try old.must(.waive(member: "kornia", reason: "known flake"))
        let time = old.now.addingTimeInterval(60)
        // The next train's catalog no longer has pyg; pyg was excluded here.
        try old.must(.exclude(member: "pyg", reason: "archived", cascade: false))
        let withoutPyg = TestCatalogs.yaml(TrainScript.packages.filter { $0.0 != "pyg" })
        var next = try Self.next(catalogText: withoutPyg, at: time)
        let decided = try old.train.supersede(by: next, by: TrainScript.alice, at: time).get()
        let byItem = Dictionary(
            decided.carries.map { ("\($0.member) \($0.what)", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byItem["scatter acknowledgement"]?.carried == true)
        #expect(byItem["kornia build"]?.carried == false)
        #expect(
            byItem["kornia build"]?.detail.contains("'pytorch >=1.9.1,<2.7', which excludes pytorch 2.7.0") == true,
            "\(byItem["kornia build"]?.detail ?? "")")
        #expect(byItem["kornia waiver"]?.carried == false)
        #expect(byItem["kornia test result"]?.carried == false)
        #expect(byItem["pyg exclusion"]?.carried == false)
        #expect(byItem["pyg exclusion"]?.detail == "pyg is not in 2.7.0's plan")
        next.apply([.created(next)], by: TrainScript.alice, at: time)
        next.apply(decided.started, by: TrainScript.alice, at: time)
        #expect(next.member("scatter")?.state == .acknowledged)
        #expect(next.member("scatter")?.eta == eta)
        #expect(next.member("scatter")?.deadline == deadline)
        #expect(next.member("kornia")?.state == .pending)
        #expect(next.member("kornia")?.waiver == nil)
    }

    @Test(
        "a carried build turns the retest members whose pin excludes it into bumps, as registering it does; their answers then carry"
    )
    func carriedBuildMakesBumps() throws {
        let text = TestCatalogs.yaml([
            ("pytorch", "2.5.1", []),
            ("torchvision", "0.20.1", ["companion: true", "abi: true", "depends: [\"pytorch 2.5.1.*\"]"]),
            ("lib", "1.0.0", ["depends: [\"pytorch >=2.0,<2.6\"]"]),
            ("app", "3.0.0", ["depends: [\"pytorch >=1.0,<3\", \"lib >=1.0,<1.1\"]"]),
        ])
        var old = try TrainScript(catalogText: text)
        try old.must(.registerRC(number: 1, artifacts: .rc("linux-64")))
        try old.must(.advance)
        try old.must(.advance)
        try old.buildAndPass("torchvision", version: "0.21.0", depends: ["pytorch 2.6.0.*"])
        try old.must(.advance)
        // lib's new build excludes nothing of 2.7 either; app's pin excludes it: app is a bump.
        try old.must(
            .registerBuild(member: "lib", version: Version("1.1.0"), depends: ["pytorch >=2.0,<3"]),
            by: TrainScript.team)
        #expect(old.train.member("app")?.reason == .bump)
        let eta = old.now.addingTimeInterval(86_400)
        try old.must(.acknowledge(member: "app", eta: eta), by: TrainScript.team)
        let time = old.now.addingTimeInterval(60)
        var next = try Self.next(catalogText: text, at: time)
        #expect(next.member("app")?.reason == .retest)
        let decided = try old.train.supersede(by: next, by: TrainScript.alice, at: time).get()
        #expect(decided.started.contains(.becameBump(member: "app", why: "'lib >=1.0,<1.1' excludes lib 1.1.0")))
        let app = try #require(decided.carries.first { $0.member == "app" && $0.what == "acknowledgement" })
        #expect(app.carried, "\(app)")
        next.apply([.created(next)], by: TrainScript.alice, at: time)
        next.apply(decided.started, by: TrainScript.alice, at: time)
        #expect(next.member("lib")?.state == .built)
        #expect(next.member("app")?.reason == .bump)
        #expect(next.member("app")?.state == .acknowledged)
        #expect(next.member("app")?.eta == eta)
    }

    @Test("the build of an excluded member is listed as not carried, with why")
    func buildOfExcludedMember() throws {
        var old = try Self.downstream()
        try old.must(
            .registerBuild(member: "kornia", version: Version("0.7.5"), depends: ["pytorch >=2.0,<3"]),
            by: TrainScript.team)
        try old.must(.exclude(member: "kornia", reason: "broken docs", cascade: false))
        let time = old.now.addingTimeInterval(60)
        let decided = try old.train.supersede(by: try Self.next(at: time), by: TrainScript.alice, at: time).get()
        let build = try #require(decided.carries.first { $0.member == "kornia" && $0.what == "build" })
        #expect(!build.carried)
        #expect(build.detail == "0.7.5: kornia is excluded in 2.6.0; stage the build on 2.7.0 if it is wanted there")
        #expect(decided.carries.contains { $0.member == "kornia" && $0.what == "exclusion" && $0.carried })
    }

    @Test("an unanswered request is asked again by the new train, and said so")
    func unansweredRequest() throws {
        let old = try Self.downstream()
        let time = old.now.addingTimeInterval(60)
        let decided = try old.train.supersede(by: try Self.next(at: time), by: TrainScript.alice, at: time).get()
        let kornia = try #require(decided.carries.first { $0.member == "kornia" })
        #expect(kornia.what == "request")
        #expect(!kornia.carried)
        #expect(kornia.detail == "unanswered: 2.7.0 asks again when it requests kornia")
    }

    @Test("only a release manager supersedes, only an active train, only by a newer train of its core")
    func refusals() throws {
        let old = try Self.downstream()
        let time = old.now.addingTimeInterval(60)
        let next = try Self.next(at: time)
        #expect(
            old.train.supersede(by: next, by: TrainScript.team, at: time).failure?.code == "not-allowed")
        let older = try Self.next("2.5.2", at: time)
        let notNewer = try #require(old.train.supersede(by: older, by: TrainScript.alice, at: time).failure)
        #expect(notNewer.code == "supersede-not-newer")
        #expect(notNewer.description.contains("railyard train abort"))
        let same = try Self.next("2.6.0", at: time)
        #expect(old.train.supersede(by: same, by: TrainScript.alice, at: time).failure?.code == "supersede-not-newer")
        for stage in [Stage.released, .aborted] {
            let ended = try TrainScript.train(in: stage)
            #expect(
                ended.train.supersede(by: next, by: TrainScript.alice, at: time).failure
                    == .wrongStage(command: "supersede", stage: stage, allowed: Stage.path))
        }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
