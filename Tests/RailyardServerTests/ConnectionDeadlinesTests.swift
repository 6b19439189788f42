import NIOCore
import RailyardServer
import Testing

/// The decisions of a connection's clock, scripted: header timeout 10 s, idle timeout 75 s.
@Suite("ConnectionDeadlines: when a connection is closed for slowness, and when never")
struct ConnectionDeadlinesTests {
    enum Input {
        case bytes(Int64)
        case head(Int64)
        case end(Int64)
        case response(Int64)
    }

    static func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(seconds) * 1_000_000_000) }

    static func run(_ inputs: [Input]) -> ConnectionDeadlines {
        var deadlines = ConnectionDeadlines(openedAt: at(0), headerTimeout: .seconds(10), idleTimeout: .seconds(75))
        for input in inputs {
            switch input {
            case .bytes(let time): deadlines.bytesArrived(at: at(time))
            case .head(let time): deadlines.headArrived(at: at(time))
            case .end(let time): deadlines.requestEnded(at: at(time))
            case .response(let time): deadlines.responseEnded(at: at(time))
            }
        }
        return deadlines
    }

    /// A whole request at `time`, answered at `answered`.
    static func request(_ time: Int64, answered: Int64) -> [Input] {
        [.bytes(time), .head(time), .end(time), .response(answered)]
    }

    static let scripts: [(name: String, inputs: [Input], firedAt: Int64, action: ConnectionDeadlines.TimerAction)] = [
        ("a new connection that sends nothing", [], 10, .close(.headerTimeout(partial: false))),
        ("not before its time", [], 9, .check(at: at(10))),
        ("a head that trickles in", [.bytes(1), .bytes(5), .bytes(9)], 10, .close(.headerTimeout(partial: true))),
        ("a head's time counts from the opening", [.bytes(9)], 10, .close(.headerTimeout(partial: true))),
        ("a whole request, then quiet", request(0, answered: 1), 76, .close(.idleTimeout)),
        ("a quiet kept-alive connection is checked each 10 s", request(0, answered: 1), 20, .check(at: at(30))),
        (
            "a next request's head that trickles in", request(0, answered: 1) + [.bytes(50)], 60,
            .close(.headerTimeout(partial: true))
        ),
        ("a long-poll held by the server", [.bytes(0), .head(0), .end(0)], 1000, .none),
        (
            "after the long-poll, the idle clock", [.bytes(0), .head(0), .end(0), .response(60)], 135,
            .close(.idleTimeout)
        ),
        ("an upload that keeps coming", [.bytes(0), .head(0), .bytes(70), .bytes(140)], 214, .check(at: at(215))),
        ("an upload that stops", [.bytes(0), .head(0), .bytes(70)], 145, .close(.idleTimeout)),
        (
            "answered before its body ended", [.bytes(0), .head(0), .response(1), .bytes(2), .end(3)], 78,
            .close(.idleTimeout)
        ),
        (
            "two pipelined, one answered", [.bytes(0), .head(0), .end(0), .head(0), .end(0), .response(1)], 500,
            .none
        ),
        (
            "two pipelined, both answered",
            [.bytes(0), .head(0), .end(0), .head(0), .end(0), .response(1), .response(2)], 77, .close(.idleTimeout)
        ),
    ]

    @Test("scripted connections", arguments: scripts.indices)
    func script(index: Int) {
        let (name, inputs, firedAt, action) = Self.scripts[index]
        #expect(Self.run(inputs).timerFired(at: Self.at(firedAt)) == action, "\(name)")
    }

    @Test("a timer armed now fires no later than the shorter timeout, nor than the deadline")
    func firstCheck() {
        #expect(Self.run([]).firstCheck(at: Self.at(0)) == Self.at(10))
        #expect(Self.run(Self.request(0, answered: 1)).firstCheck(at: Self.at(1)) == Self.at(11))
        #expect(Self.run(Self.request(0, answered: 1)).firstCheck(at: Self.at(70)) == Self.at(76))
        #expect(Self.run([.bytes(0), .head(0), .end(0)]).firstCheck(at: Self.at(1)) == nil)
    }
}
