import Foundation
import Hummingbird
import HummingbirdTesting
import RailyardCore
import RailyardServer
import RailyardStore
import RailyardYAML
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A page parsed as XML (the pages are well-formed), queried with XPath: the tests read the
/// structure, not a snapshot of the text.
struct ParsedPage {
    let document: XMLDocument

    init(_ response: TestResponse) throws {
        document = try XMLDocument(data: Data(response.body.readableBytesView), options: [])
    }

    /// The text of every node at `path`.
    func texts(_ path: String) throws -> [String] {
        try document.nodes(forXPath: path).map {
            ($0.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    func count(_ path: String) throws -> Int { try document.nodes(forXPath: path).count }
}

/// Trains driven to each stage through the store, as their commands would.
enum StagedTrains {
    static let alice = Actor.person("alice")
    static let runner = Actor.runner("ci-1")

    /// A train for core `version` in `stage` (downstream: with a failed test and a decline).
    static func drive(_ store: Store, _ version: String, to stage: Stage, at now: Date) throws {
        let catalog = try CatalogFile.load(path: ServerFixture.catalog)
        let plan = try Planner.plan(catalog, coreVersion: Version(version))
        try store.create(Train.create(plan: plan, catalog: catalog, by: alice, at: now), by: alice, at: now)
        func run(_ command: TrainCommand, by actor: Actor = alice) throws {
            try store.execute(command, on: version, by: actor, at: now)
        }
        func pass(_ member: String) throws {
            try run(.startTest(member: member), by: runner)
            try run(.reportTest(member: member, rc: 1, passed: true, log: nil), by: runner)
        }
        if stage == .planned { return }
        if stage == .aborted {
            try run(.abort(reason: "withdrawn <b>upstream</b>"))
            return
        }
        try run(.registerRC(number: 1, artifacts: .rc("linux-64", "osx-arm64")))
        try run(.advance)
        if stage == .candidate { return }
        try run(.advance)
        if stage == .companions { return }
        let companion = try #require(plan.members.first { $0.name == "torchvision" }?.newVersion)
        try run(.registerBuild(member: "torchvision", version: companion, depends: ["pytorch \(version).*"]))
        try pass("torchvision")
        try run(.advance)
        if stage == .downstream {
            try run(.startTest(member: "captum"), by: runner)
            try run(
                .reportTest(member: "captum", rc: 1, passed: false, log: "https://ci.example.org/captum/1?a=1&b=2"),
                by: runner)
            try run(.decline(member: "kornia", reason: "<script>alert('kornia')</script> no time"))
            return
        }
        try run(.registerBuild(member: "kornia", version: Version("0.7.4"), depends: ["pytorch >=1.9.1,<3"]))
        try pass("kornia")
        try pass("captum")
        try run(.advance)
        if stage == .staged { return }
        try run(.reportIntegration(rc: 1, passed: true, log: nil), by: runner)
        try run(.markFinal(rc: 1))
        try run(.release)
    }
}

@Suite("The status page: every page for a train in every stage, read through its HTML")
struct PageTests {
    static let versions: [(Stage, String)] = [
        (.planned, "2.6.0"), (.candidate, "2.7.0"), (.companions, "2.8.0"), (.downstream, "2.9.0"),
        (.staged, "2.10.0"), (.released, "2.11.0"), (.aborted, "2.12.0"),
    ]

    @Test("/, /trains/{v}, a member page and the graph, for a train in each stage")
    func everyStage() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let store = try Store(path: fixture.directory.appendingPathComponent("railyard.sqlite").path)
        let now = Date()
        for (stage, version) in Self.versions { try StagedTrains.drive(store, version, to: stage, at: now) }
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let page = try ParsedPage(response)
                #expect(try page.count("/html/body/main") == 1)
                #expect(try page.texts("//main//h2") == ["In progress", "Side by side", "Released and aborted"])
                // Five in progress, two done; each row names its train and its stage in text.
                let active = try page.texts("//section[1]//tbody/tr/th")
                #expect(Set(active) == ["torch 2.6.0", "torch 2.7.0", "torch 2.8.0", "torch 2.9.0", "torch 2.10.0"])
                let done = try page.texts("//section[3]//tbody/tr/th")
                #expect(Set(done) == ["torch 2.11.0", "torch 2.12.0"])
                let downstreamRow = "//tr[th/a='torch 2.9.0']/td"
                #expect(try page.texts(downstreamRow)[1] == "downstream")
                #expect(try page.texts(downstreamRow)[3] == "2 blocked")
                #expect(try page.texts("//tr[th/a='torch 2.11.0']/td")[2].contains("3 / 3 ready"))
                // Two tables of six columns, and the side-by-side one: a package column and a train's.
                #expect(try page.count("//table/thead/tr/th[@scope='col']") == 12 + 1 + 5)
            }
            for (stage, version) in Self.versions {
                try await client.execute(uri: "/trains/\(version)", method: .get) { response in
                    #expect(response.status == .ok)
                    let page = try ParsedPage(response)
                    #expect(try page.texts("//h1/span") == [stage.rawValue], "\(version)")
                    // The timeline: one entry per stage entered, the current one marked.
                    let current = try page.texts("//ol[@class='timeline']/li[@aria-current='step']/strong")
                    #expect(current == [stage.rawValue])
                    let headings = try page.texts("//main//h2")
                    #expect(headings.contains("Stages") && headings.contains("Members by wave"))
                    #expect(headings.contains("Gate to leave \(stage.rawValue)") == !stage.isTerminal)
                    #expect(headings.contains("Why isn’t it moving?") == !stage.isTerminal)
                    // Every member appears once in the wave tables, with its state as text.
                    let names = try page.texts("//section[@aria-labelledby='members']//tbody/tr/th")
                    #expect(Set(names) == ["torchvision", "kornia", "captum"])
                    // The inline SVG (in its own namespace): a box per member.
                    #expect(try page.count("//*[local-name()='g' and contains(@class, 'node')]") == 3)
                    #expect(
                        try page.texts("//section[@aria-labelledby='events']//tbody/tr/td[4]").contains(
                            "created: minor train for pytorch \(version), 3 members"))
                }
                try await client.execute(uri: "/trains/\(version)/members/captum", method: .get) { response in
                    #expect(response.status == .ok)
                    let page = try ParsedPage(response)
                    #expect(try page.texts("//h1").first?.hasPrefix("captum") == true)
                    #expect(try page.texts("//nav/a") == ["Railyard", "torch \(version)", "captum"])
                }
                try await client.execute(uri: "/trains/\(version)/graph.svg", method: .get) { response in
                    #expect(response.headers[.contentType] == "image/svg+xml; charset=utf-8")
                    let svg = try XMLDocument(data: Data(response.body.readableBytesView), options: [])
                    #expect(try svg.nodes(forXPath: "//*[local-name()='rect']").count == 3)
                }
            }
        }
    }

    @Test("downstream: the root causes, their owners and commands; the waiting are not listed")
    func whyNotMoving() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let store = try Store(path: fixture.directory.appendingPathComponent("railyard.sqlite").path)
        try StagedTrains.drive(store, "2.6.0", to: .downstream, at: Date())
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/trains/2.6.0", method: .get) { response in
                let page = try ParsedPage(response)
                let causes = try page.texts("//section[@aria-labelledby='why']/ol/li/p[1]")
                #expect(causes.count == 2)
                #expect(
                    causes.contains("captum: test failed against RC 1; log: https://ci.example.org/captum/1?a=1&b=2"))
                #expect(causes.contains { $0.hasPrefix("kornia: declined: <script>alert('kornia')</script> no time") })
                let commands = try page.texts("//section[@aria-labelledby='why']/ol/li/pre/code")
                #expect(commands.contains { $0.contains("railyard train waive 2.6.0 captum --reason") })
                #expect(commands.contains { $0.contains("railyard train exclude 2.6.0 kornia --reason") })
                #expect(try page.texts("//section[@aria-labelledby='why']/ol/li/p[2]/strong") == ["team", "team"])
                // Escaped, so the decline's reason is text, never a script element.
                #expect(try page.count("//script") == 0)
                #expect(String(buffer: response.body).contains("&lt;script&gt;alert(&#39;kornia&#39;)&lt;/script&gt;"))
                // The log is a link (its & escaped in the attribute, read back whole).
                #expect(try page.texts("//td/a[text()='log']/@href") == ["https://ci.example.org/captum/1?a=1&b=2"])
                // The gate as a checklist, each check marked in text.
                let checks = try page.texts("//ul[@class='checklist']/li/span[@class='mark']")
                #expect(!checks.isEmpty && checks.allSatisfy { $0 == "✘ not met" || $0 == "✔ met" })
                #expect(checks.contains("✘ not met"))
            }
            try await client.execute(uri: "/trains/2.6.0/members/kornia", method: .get) { response in
                let page = try ParsedPage(response)
                #expect(try page.texts("//h1/span") == ["✘ declined"])
                let held = try page.texts("//section[@aria-labelledby='blocked']//li")
                #expect(held.count == 1 && held[0].hasPrefix("blocked-by: declined:"))
                #expect(
                    try page.texts("//section[@aria-labelledby='history']//tbody/tr/td[4]").last?.hasPrefix(
                        "kornia: declined") == true)
            }
            // Unknown trains and members are HTML 404s.
            try await client.execute(uri: "/trains/9.9.9", method: .get) { response in
                #expect(response.status == .notFound)
                let page = try ParsedPage(response)
                #expect(try page.texts("//main/p").first == "There is no train 9.9.9.")
            }
            try await client.execute(uri: "/trains/2.6.0/members/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test(
        "several trains in progress side by side, a package's state in each; a package's page lists every train it is in; a superseded train links its successor"
    )
    func sideBySideAndPackagePage() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let store = try Store(path: fixture.directory.appendingPathComponent("railyard.sqlite").path)
        let now = Date()
        // The next minor in downstream (kornia declined, captum failed), a patch in companions,
        // an older train released.
        try StagedTrains.drive(store, "2.6.0", to: .released, at: now)
        try StagedTrains.drive(store, "2.7.0", to: .downstream, at: now.addingTimeInterval(1))
        try StagedTrains.drive(store, "2.6.1", to: .companions, at: now.addingTimeInterval(2))
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                let page = try ParsedPage(response)
                let side = "//section[@aria-labelledby='side-by-side']"
                #expect(try page.texts("\(side)//thead/tr/th/a") == ["torch 2.6.1", "torch 2.7.0"])
                #expect(try page.texts("\(side)//thead/tr/th/span") == ["companions", "downstream"])
                // One row per package, its state in each train as text.
                #expect(Set(try page.texts("\(side)//tbody/tr/th")) == ["torchvision", "kornia", "captum"])
                #expect(try page.texts("\(side)//tr[th/a='kornia']/td") == ["pending", "✘ declined"])
                #expect(try page.texts("\(side)//tr[th/a='captum']/td") == ["built", "✘ failed"])
                #expect(try page.texts("\(side)//tr[th/a='kornia']/td[2]/a/@href") == ["/trains/2.7.0/members/kornia"])
                #expect(try page.texts("\(side)//tbody/tr/th/a/@href").contains("/packages/torchvision"))
            }
            try await client.execute(uri: "/packages/kornia", method: .get) { response in
                #expect(response.status == .ok)
                let page = try ParsedPage(response)
                #expect(try page.texts("//h1") == ["kornia"])
                // The trains in progress first, newest first, then the released one.
                #expect(try page.texts("//tbody/tr/th") == ["torch 2.6.1", "torch 2.7.0", "torch 2.6.0"])
                #expect(try page.texts("//tr[th/a='torch 2.7.0']/td")[0...1] == ["downstream", "✘ declined"])
                #expect(try page.texts("//tr[th/a='torch 2.6.0']/td")[0...2] == ["released", "✔ passed", "0.7.4"])
            }
            try await client.execute(uri: "/trains/2.7.0/members/kornia", method: .get) { response in
                let page = try ParsedPage(response)
                #expect(try page.texts("//a[@href='/packages/kornia']") == ["kornia in every train"])
            }
            try await client.execute(uri: "/packages/nope", method: .get) { response in
                #expect(response.status == .notFound)
                let page = try ParsedPage(response)
                #expect(try page.texts("//main/p").first == "No train has a package nope.")
            }
        }
        // A superseded train names its successor, which names it back.
        let catalog = try CatalogFile.load(path: ServerFixture.catalog)
        let next = try Train.create(
            plan: Planner.plan(catalog, coreVersion: Version("2.8.0")), catalog: catalog, by: StagedTrains.alice,
            at: now)
        _ = try store.supersede("2.7.0", by: next, by: StagedTrains.alice, at: now)
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/trains/2.7.0", method: .get) { response in
                let page = try ParsedPage(response)
                #expect(try page.texts("//dl//div[dt='Superseded by']/dd/a") == ["torch 2.8.0"])
            }
            try await client.execute(uri: "/trains/2.8.0", method: .get) { response in
                let page = try ParsedPage(response)
                #expect(try page.texts("//dl//div[dt='Supersedes']/dd/a") == ["torch 2.7.0"])
                // kornia's decline carried over.
                #expect(
                    try page.texts("//section[@aria-labelledby='members']//tr[th/a='kornia']/td[1]") == ["✘ declined"])
            }
        }
    }

    @Test("a log URL that is not http(s) stays text; a private server's pages need a token")
    func unsafeLinksAndPrivate() async throws {
        let fixture = try ServerFixture(isPrivate: true)
        defer { fixture.remove() }
        let store = try Store(path: fixture.directory.appendingPathComponent("railyard.sqlite").path)
        try StagedTrains.drive(store, "2.6.0", to: .companions, at: Date())
        try store.execute(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            on: "2.6.0", by: StagedTrains.alice, at: Date())
        try store.execute(.startTest(member: "torchvision"), on: "2.6.0", by: StagedTrains.runner, at: Date())
        try store.execute(
            .reportTest(member: "torchvision", rc: 1, passed: false, log: "javascript:alert(1)"), on: "2.6.0",
            by: StagedTrains.runner, at: Date())
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/trains/2.6.0", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/trains/2.6.0", method: .get, headers: fixture.headers("read-only")) {
                response in
                let page = try ParsedPage(response)
                #expect(try page.count("//a[starts-with(@href, 'javascript')]") == 0)
                #expect(try page.texts("//tr[th/a='torchvision']/td[6]") == ["javascript:alert(1)"])
            }
        }
    }
}

extension [Artifact] {
    /// The core's RC files, one per subdir, as the channel registers them.
    static func rc(_ subdirs: String...) -> [Artifact] {
        subdirs.map {
            Artifact(subdir: $0, fileName: "pytorch-2.6.0-py311_0.conda", sha256: String(repeating: "a", count: 64))
        }
    }
}
