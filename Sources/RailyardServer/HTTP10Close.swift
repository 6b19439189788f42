import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Closes the connection after the response to an HTTP/1.0 request that did not ask for
/// keep-alive, as RFC 9112 §9.3 requires: clients such as w3m and ApacheBench read the response
/// until the connection closes. Hummingbird closes on `Connection: close`, which a 1.0 request
/// implies; this handler, placed before the conversion to HTTP types, says so.
final class HTTP10CloseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(var head) = unwrapInboundIn(data), head.version.major == 1, head.version.minor == 0,
            !head.isKeepAlive
        {
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        context.fireChannelRead(data)
    }
}

/// Added among Hummingbird's extra channel handlers (which come after the HTTP types
/// conversion): puts a ``RequestBytesObserver`` in front of the HTTP decoder and a
/// ``ConnectionGuard``, an `HTTP10CloseHandler` and the `PollingFastPath` in front of that
/// conversion, then leaves.
final class HTTP1Installer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let state: ServerState
    let observer: RequestObserver

    init(state: ServerState, observer: RequestObserver) {
        self.state = state
        self.observer = observer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self),
            let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        {
            let options = state.options
            let connectionGuard = ConnectionGuard(
                limits: ConnectionLimits(
                    maxConnections: state.connections.limit, headerTimeout: .init(options.headerTimeout),
                    idleTimeout: .init(options.idleTimeout), maxHeaderSize: options.maxHeaderSize),
                connections: state.connections, metrics: state.metrics)
            try? pipeline.addHandler(RequestBytesObserver(connectionGuard), position: .before(decoder))
            try? pipeline.addHandler(connectionGuard, position: .before(codec))
            try? pipeline.addHandler(HTTP10CloseHandler(), position: .before(codec))
            try? pipeline.addHandler(PollingFastPath(state: state, observer: observer), position: .before(codec))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
