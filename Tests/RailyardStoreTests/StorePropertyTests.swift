import Foundation
import RailyardCore
import RailyardStore
import Testing

@Suite("Store: random command sequences keep the database consistent")
struct StorePropertyTests {
    @Test("after any sequence of accepted and refused commands, db verify is clean", arguments: 0..<12)
    func verifyClean(seed: Int) throws {
        let store = try Store.inMemory()
        try store.create(StoreFixture.train(), by: StoreFixture.alice, at: StoreFixture.start)
        var random = SeededRandom(seed: UInt64(seed))
        var now = StoreFixture.start
        let members = ["torchvision", "kornia", "captum", "nope"]
        let actors: [Actor] = [StoreFixture.alice, .person("team"), .runner("ci"), .policy]
        var revision = 1
        for _ in 0..<200 {
            now = now.addingTimeInterval(Double(random.next(1_000)))
            let train = try store.train("2.6.0")
            let member = members[random.next(members.count)]
            let rc = train.rc ?? 1
            let command: TrainCommand
            switch random.next(11) {
            case 0: command = .registerRC(number: rc + random.next(2), artifacts: .rc("linux-64"))
            case 1, 2: command = .advance
            case 3: command = .acknowledge(member: member, eta: nil)
            case 4: command = .decline(member: member, reason: "busy")
            case 5:
                command = .registerBuild(
                    member: member,
                    version: try train.member(member)?.targetVersion ?? Version("1.0"),
                    depends: ["pytorch >=2.6,<2.7"]
                )
            case 6: command = .startTest(member: member)
            case 7: command = .reportTest(member: member, rc: rc, passed: random.next(3) > 0, log: nil)
            case 8: command = .exclude(member: member, reason: "out", cascade: false)
            case 9: command = .reportIntegration(rc: rc, passed: true, log: nil)
            default: command = .sweepDeadlines
            }
            let actor = actors[random.next(actors.count)]
            do {
                let outcome = try store.execute(command, on: "2.6.0", by: actor, at: now)
                if !outcome.events.isEmpty {
                    revision += 1
                    #expect(outcome.revision == revision)
                }
            } catch {
                #expect(try store.train("2.6.0").revision == revision, "a refused command changes nothing")
            }
        }
        #expect(try store.verify().isEmpty)
    }
}

/// A small deterministic random source.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
    }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((value ^ (value >> 31)) % UInt64(bound))
    }
}
