import Foundation
import NIOCore
import NIOHTTP1
import RailyardCore
import Synchronization

/// The limits every connection is held to (`railyard serve --max-connections`,
/// `--header-timeout`, `--idle-timeout`, `--max-header-size`).
struct ConnectionLimits: Sendable {
    var maxConnections: Int
    var headerTimeout: TimeAmount
    var idleTimeout: TimeAmount
    var maxHeaderSize: Int
}

/// The server's open connections, counted against `--max-connections`.
final class OpenConnections: Sendable {
    let limit: Int
    private let count = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Counts one more connection when there is room for it.
    func open() -> Bool {
        if count.wrappingAdd(1, ordering: .relaxed).newValue <= limit { return true }
        count.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func close() { count.wrappingSubtract(1, ordering: .relaxed) }

    var current: Int { count.load(ordering: .relaxed) }
}

/// The process's limit on open files, raised to its hard limit.
enum OpenFileLimit {
    /// Raises the soft limit on open files to the hard one; returns the soft limit in force.
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// The most connections a process with `openFiles` may hold: each may have a file of the
    /// channel open as it downloads, and 256 descriptors stay for the database, uploads and the
    /// answers to connections beyond the limit.
    static func connections(openFiles: Int) -> Int { max(16, (openFiles - 256) / 2) }

    #if canImport(Glibc)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif
}

/// Holds every connection to the server's limits, in its pipeline, before the request becomes a
/// task: one beyond `--max-connections` is answered 503 and closed at once; a request whose head
/// has not arrived within `--header-timeout` is answered 408 and closed (a connection that sent
/// nothing is closed without an answer); a connection that sends nothing for `--idle-timeout`
/// while no response is being written is closed; a head beyond `--max-header-size` is answered
/// 431. The deadlines are ``ConnectionDeadlines``'; this handler acts on them.
///
/// Hummingbird's own idle timeout is not used: it does not see the requests the polling fast
/// path answers, so it would close a CI runner's busy connection, and it has no header timeout.
/// The clock runs on one timer per connection, armed at most once per `min(timeouts)` and not
/// per request: the 304 path keeps its figure (Benchmarks/server_load.py: with 2,000 idle and
/// 200 slow-header connections held beside it).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: ConnectionLimits
    private let connections: OpenConnections
    private let metrics: ServerMetrics
    private var deadlines: ConnectionDeadlines?
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private var started = false
    /// An error answer has been written: the rest of what the client sends is dropped, and the
    /// connection is closed when the client closes or after a moment.
    private var refusing = false

    /// How long a refused connection stays half-open for its answer to be read: closing with
    /// unread request bytes would reset the connection and could lose the answer.
    static let linger = TimeAmount.milliseconds(500)

    init(limits: ConnectionLimits, connections: OpenConnections, metrics: ServerMetrics) {
        self.limits = limits
        self.connections = connections
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        start(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        guard connections.open() else {
            metrics.connectionsRefused.increment()
            refuse(
                context, .serviceUnavailable, "too-many-connections",
                "the server holds its most connections (\(connections.limit)): try again shortly",
                extra: [("Retry-After", "1")])
            return
        }
        deadlines = ConnectionDeadlines(
            openedAt: .now(), headerTimeout: limits.headerTimeout, idleTimeout: limits.idleTimeout)
        arm(context)
    }

    /// Stops the clock and gives the connection's place back.
    private func stop() {
        timer?.cancel()
        timer = nil
        if deadlines != nil {
            deadlines = nil
            connections.close()
        }
    }

    /// Called by the ``RequestBytesObserver`` in front of the HTTP decoder.
    func bytesArrived() {
        guard deadlines != nil, let context else { return }
        deadlines?.bytesArrived(at: .now())
        arm(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        switch unwrapInboundIn(data) {
        case .head: deadlines?.headArrived(at: .now())
        case .body: break
        case .end: deadlines?.requestEnded(at: .now())
        }
        arm(context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            deadlines?.responseEnded(at: .now())
            arm(context)
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A head too large is answered here when no response is owed before it; any other
        // parse error goes on to Hummingbird, which answers 400.
        if let error = error as? HTTPParserError, error == .headerOverflow, deadlines?.open == 0 {
            metrics.closed(.headerTooLarge)
            refuse(
                context, .requestHeaderFieldsTooLarge, "header-too-large",
                "a request's line and header fields are at most \(limits.maxHeaderSize) bytes")
            return
        }
        if refusing { return }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if refusing, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Arms the timer when there is a deadline and no timer.
    private func arm(_ context: ChannelHandlerContext) {
        guard timer == nil, let at = deadlines?.firstCheck(at: .now()) else { return }
        schedule(context, at: at)
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            guard let action = deadlines?.timerFired(at: .now()) else { return }
            switch action {
            case .none: break
            case .check(let at): schedule(context, at: at)
            case .close(.headerTimeout(partial: true)):
                metrics.closed(.headerTimeout)
                refuse(
                    context, .requestTimeout, "request-timeout",
                    "the request's head did not arrive within \(limits.headerTimeout.nanoseconds / 1_000_000_000) s")
            case .close(.headerTimeout(partial: false)):
                metrics.closed(.headerTimeout)
                context.close(promise: nil)
            case .close(.idleTimeout):
                metrics.closed(.idleTimeout)
                context.close(promise: nil)
            }
        }
    }

    /// Answers with an error in the API's shape and closes the connection: at once when the
    /// client closes its side, after ``linger`` at the latest.
    private func refuse(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ code: String, _ message: String,
        extra: [(String, String)] = []
    ) {
        stop()
        refusing = true
        let body = JSONValue.object(["error": .object(["code": .string(code), "message": .string(message)])]).bytes
        var headers = HTTPHeaders([
            ("Content-Type", "application/json"), ("Content-Length", String(body.count + 1)),
            ("Connection", "close"), ("Date", HTTPDate.now()), ("Server", "railyard"),
        ])
        headers.add(contentsOf: extra)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body + [0x0A])))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) { context.close(promise: nil) }
    }
}

/// In front of the HTTP decoder: tells the ``ConnectionGuard`` that bytes arrived, which starts
/// the header timeout of a next request on a kept-alive connection.
final class RequestBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let connectionGuard: ConnectionGuard

    init(_ connectionGuard: ConnectionGuard) { self.connectionGuard = connectionGuard }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connectionGuard.bytesArrived()
        context.fireChannelRead(data)
    }
}
