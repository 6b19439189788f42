import Foundation
import RailyardCore
import Testing

@testable import RailyardStore

@Suite("The store's JSON writer: what it writes, JSONDecoder reads back equal")
struct CompactJSONTests {
    /// A train at every stage of a whole run, and every event of it.
    static func trainsAndEvents() throws -> ([Train], [TrainEvent]) {
        let store = try Store.inMemory()
        var now = StoreFixture.start
        var trains: [Train] = []
        var events: [TrainEvent] = []
        func run(_ command: TrainCommand, _ actor: Actor = StoreFixture.alice) throws {
            now = now.addingTimeInterval(61.123_456)
            events += try store.execute(command, on: "2.6.0", by: actor, at: now).events
            trains.append(try store.train("2.6.0"))
        }
        events += try store.create(StoreFixture.train(), by: StoreFixture.alice, at: now).events
        try run(.registerRC(number: 1, artifacts: .rc("linux-64")))
        try run(.advance)
        try run(.advance)
        try run(.acknowledge(member: "torchvision", eta: now.addingTimeInterval(86_400.5)), .person("team"))
        try run(
            .registerBuild(member: "torchvision", version: Version("0.21.0"), depends: ["pytorch 2.6.0.*"]),
            .person("team"))
        try run(.startTest(member: "torchvision"), .runner("ci"))
        try run(
            .reportTest(member: "torchvision", rc: 1, passed: false, log: "https://ci/\"quoted\"\n\u{1}"), .runner("ci")
        )
        try run(.waive(member: "torchvision", reason: "flaky — tracked ✓"))
        try run(.advance)
        try run(.decline(member: "kornia", reason: "no"), .person("team"))
        try run(.exclude(member: "kornia", reason: "declined", cascade: true))
        try run(.registerRC(number: 2, artifacts: .rc("linux-64")))
        try run(.abort(reason: "test"))
        return (trains, events)
    }

    @Test("trains, members, events and outcomes round-trip")
    func roundTrip() throws {
        let (trains, events) = try Self.trainsAndEvents()
        let decoder = JSONDecoder()
        for train in trains {
            #expect(try decoder.decode(Train.self, from: Data(CompactJSONEncoder.encode(train).utf8)) == train)
            for member in train.members {
                #expect(
                    try decoder.decode(TrainMember.self, from: Data(CompactJSONEncoder.encode(member).utf8)) == member)
            }
        }
        #expect(events.count > 15)
        for event in events {
            #expect(try decoder.decode(TrainEvent.self, from: Data(CompactJSONEncoder.encode(event).utf8)) == event)
        }
        let outcome = CommandOutcome(train: "2.6.0", revision: 3, events: Array(events.prefix(4)), replayed: false)
        #expect(try decoder.decode(CommandOutcome.self, from: Data(CompactJSONEncoder.encode(outcome).utf8)) == outcome)
    }

    @Test("the output is what JSONSerialization reads as the same structure Foundation writes")
    func sameStructureAsFoundation() throws {
        let (trains, _) = try Self.trainsAndEvents()
        let train = try #require(trains.last)
        let ours = try JSONSerialization.jsonObject(with: Data(CompactJSONEncoder.encode(train).utf8)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: JSONEncoder().encode(train)) as? NSDictionary
        #expect(ours == theirs)
    }

    @Test("strings are escaped and numbers that JSON cannot hold are refused")
    func edges() throws {
        #expect(try CompactJSONEncoder.encode(["a\"b\\c\n\t\u{1}é"]) == #"["a\"b\\c\n\t\u0001é"]"#)
        #expect(try CompactJSONEncoder.encode([1.5, 2, -0.25, 1e20]) == "[1.5,2,-0.25,1e+20]")
        #expect(throws: EncodingError.self) { try CompactJSONEncoder.encode([Double.nan]) }
        #expect(try CompactJSONEncoder.encode(["k": [Int]()]) == #"{"k":[]}"#)
    }
}
