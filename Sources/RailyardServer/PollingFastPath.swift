import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The answer CI's polls get most: `GET /api/v1/trains/{v}` with `If-None-Match` naming the
/// train's revision as last read is a 304, given here in the connection's pipeline, before the
/// request becomes a task, crosses to the concurrency pool and goes through the router. Any
/// other request — and any poll that is not plainly that one — goes on to the routes, which
/// answer it exactly as they would have (both ask `RevisionWatcher.unchangedTag`). The line
/// logged and the metrics recorded are the routes' own.
final class PollingFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: ServerState
    private let observer: RequestObserver
    /// Requests passed on whose responses have not ended: while there is one, every request is
    /// passed on too, so that responses leave in the order their requests came.
    private var passedOn = 0
    /// The poll being answered here, from its head to its end.
    private var answering: (head: HTTPResponseHead, path: String, start: ContinuousClock.Instant)?
    private var wroteSinceFlush = false

    init(state: ServerState, observer: RequestObserver) {
        self.state = state
        self.observer = observer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if passedOn == 0, let response = answer(head) {
                answering = (response, head.uri, .now)
                return
            }
            passedOn += 1
        case .body:
            // Only requests with no body are answered here: a body belongs to a passed-on request.
            break
        case .end:
            if let (head, path, start) = answering {
                answering = nil
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
                wroteSinceFlush = true
                observer.observe(method: "GET", path: path, status: 304, since: start)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if wroteSinceFlush {
            wroteSinceFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    /// The 304 for a plain poll of a train at the revision last read; nil for anything else.
    private func answer(_ head: HTTPRequestHead) -> HTTPResponseHead? {
        let prefix = "/api/v1/trains/"
        guard head.method == .GET, head.version == .http1_1, head.isKeepAlive, !state.options.isPrivate,
            head.uri.hasPrefix(prefix), !head.headers.contains(name: "authorization"),
            !head.headers.contains(name: "content-length"), !head.headers.contains(name: "transfer-encoding")
        else { return nil }
        let train = head.uri.dropFirst(prefix.count)
        let tags = head.headers["if-none-match"]
        guard !train.isEmpty, !train.contains(where: { $0 == "/" || $0 == "?" || $0 == "%" || $0 == "#" }),
            tags.count == 1, let tag = state.watcher.unchangedTag(of: String(train), ifNoneMatch: tags[0])
        else { return nil }
        return HTTPResponseHead(
            version: .http1_1, status: .notModified,
            headers: ["ETag": tag, "Date": HTTPDate.now(), "Server": "railyard"])
    }
}

/// The `Date` header's text (RFC 9110 §5.6.7), made at most once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var seconds = time(nil)
        return cache.withLock { cache in
            if cache.second != seconds {
                var parts = tm()
                gmtime_r(&seconds, &parts)
                let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
                let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
                cache = (
                    seconds,
                    "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
                        + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
                )
            }
            return cache.text
        }
    }
}
