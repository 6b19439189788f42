import Foundation
import Hummingbird
import Logging
import NIOCore
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardNotify
import RailyardStore
import RailyardYAML
import ServiceLifecycle

/// What `railyard serve` is started with.
package struct ServerOptions: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    package var database = "./.railyard/railyard.sqlite"
    /// Create the database when the file is missing (`--init`); otherwise a missing file is refused.
    package var createDatabase = false
    package var channel = "./.railyard/channel"
    /// The catalog trains are created from (`POST /api/v1/trains`).
    package var catalog: String?
    /// Reads need a token too.
    package var isPrivate = false
    /// How often long-polls look for changes made by other processes.
    package var pollInterval: Duration = .milliseconds(250)
    /// The largest package file `POST …/artifacts` accepts.
    package var maxUpload = 4 << 30
    /// The address put in notifications' commands (default: http://HOST:PORT).
    package var publicURL: String?
    /// The sendmail-compatible program for e-mail contacts.
    package var sendmail: String?
    package var mailFrom = "railyard@localhost"
    package var retry = RetryPolicy.standard
    /// How often the outbox is looked at, and how often the deadline sweep runs.
    package var deliverEvery: Duration = .seconds(2)
    package var sweepEvery: Duration = .seconds(60)
    /// Whether the outbox is delivered (the demo keeps it: its contacts are example addresses).
    package var deliverNotifications = true
    /// Connections open at once; one more is answered 503 and closed. Lowered, with a notice, to
    /// what the open-file limit allows (``OpenFileLimit``).
    package var maxConnections = 4096
    /// How long a request's head may take to arrive, from the connection's opening or from the
    /// first byte of a next request: then 408, and closed.
    package var headerTimeout: Duration = .seconds(10)
    /// How long a connection may send nothing while no response is being written to it (between
    /// requests, or within a request's body): then closed. Long-polls and downloads are not idle.
    package var idleTimeout: Duration = .seconds(75)
    /// The largest request line and header fields, in bytes: beyond it, 431.
    package var maxHeaderSize = 32 << 10

    package init() {}
}

/// Everything the handlers share.
package final class ServerState: Sendable {
    let store: Store
    let trains: TrainChannel
    /// The use cases, run here: every route that has a CLI twin calls it.
    package let service: LocalTrainService
    let catalog: Catalog?
    let options: ServerOptions
    let watcher: RevisionWatcher
    let metrics: ServerMetrics
    let throttle = AuthThrottle()
    /// The open connections, against `maxConnections` as the open-file limit allows it.
    let connections: OpenConnections
    /// Delivers notifications to the catalog's contacts (none without a catalog).
    let deliverer: Deliverer<Store>?

    package init(options: ServerOptions) throws {
        self.options = options
        store = try Store(path: options.database, creating: options.createDatabase)
        trains = TrainChannel(store: store, channel: try LocalChannel(path: options.channel))
        catalog = try options.catalog.map { path in
            do {
                return try CatalogFile.load(path: path)
            } catch {
                throw APIError(.unprocessableContent, "invalid-catalog", "\(path): \(error)")
            }
        }
        service = LocalTrainService(store: store, channel: options.channel, catalog: catalog)
        watcher = RevisionWatcher(store: store)
        connections = OpenConnections(
            limit: min(options.maxConnections, OpenFileLimit.connections(openFiles: OpenFileLimit.raise())))
        metrics = ServerMetrics(store: store)
        let store = self.store
        deliverer = catalog.flatMap { catalog in
            guard options.deliverNotifications else { return nil }
            return
                Deliverer(
                    outbox: store, contacts: catalog.contacts,
                    options: Deliverer<Store>.Options(
                        server: options.publicURL ?? "http://\(options.host):\(options.port)",
                        sendmail: options.sendmail, mailFrom: options.mailFrom, retry: options.retry))
        }
    }
}

/// The server of `railyard serve`: the API, the channel over HTTP, health and metrics.
package enum RailyardServer {
    package static func makeApplication(state: ServerState, logger: Logger) -> some ApplicationProtocol {
        // HEAD is answered wherever GET is: the GET route's status and headers, no body.
        let router = Router(context: RailyardContext.self, options: .autoGenerateHeadEndpoints)
        let observer = RequestObserver(logger: logger, metrics: state.metrics)
        router.middlewares.add(ObserveRequestsMiddleware(observer: observer))
        router.middlewares.add(ErrorMiddleware())
        if state.options.isPrivate { router.middlewares.add(PrivateServerMiddleware(api: API(state: state))) }
        router.middlewares.add(
            FileMiddleware(
                fileProvider: ChannelFiles(folder: state.options.channel, logger: logger), searchForIndexHtml: false))
        router.get("/health") { _, _ in
            // A database removed or replaced under the server takes writes no more: say so here,
            // where load balancers and monitors look.
            guard state.store.isInPlace() else {
                throw APIError.from(StoreError.databaseMoved(path: state.options.database))
            }
            return JSONValue.object(["status": .string("ok")]).response()
        }
        router.get("/metrics") { _, _ in
            let text = await state.metrics.exposition(watcher: state.watcher, connections: state.connections.current)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        API(state: state).add(to: router.group("api/v1"))
        PageRoutes(state: state).add(to: router)
        if state.connections.limit < state.options.maxConnections {
            logger.notice(
                "fewer connections than --max-connections: the open-file limit allows \(state.connections.limit)",
                metadata: ["max_connections": .stringConvertible(state.connections.limit)])
        }
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [HTTP1Installer(state: state, observer: observer)],
                    // ConnectionGuard keeps the connection's deadlines, the fast path's requests included.
                    idleTimeout: nil,
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: state.options.maxHeaderSize,
                        maxHeaderListSize: state.options.maxHeaderSize))),
            configuration: .init(
                address: .hostname(state.options.host, port: state.options.port), serverName: "railyard"),
            services: [
                RevisionPoller(watcher: state.watcher, interval: state.options.pollInterval),
                NotificationService(
                    store: state.store, deliverer: state.deliverer, deliverEvery: state.options.deliverEvery,
                    sweepEvery: state.options.sweepEvery, logger: logger),
            ],
            logger: logger
        )
    }
}

/// `--private`: every request but `/health` needs a valid token, of any role: the API, the pages,
/// the channel's files (unreleased RCs in their labels) and `/metrics`. The routes then check
/// what the token's role allows.
struct PrivateServerMiddleware: RouterMiddleware {
    typealias Context = RailyardContext
    let api: API

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.uri.path != "/health" { _ = try await api.authenticate(request, context) }
        return try await next(request, context)
    }
}

/// The channel's files under `/channel/`, as Hummingbird's `FileMiddleware` serves them, decided
/// on the path as decoded (the middleware decodes percent-escapes once, before asking): a path
/// with a hidden component (the channel's `.railyard` journal and generations, `.main`), an
/// empty, `.` or `..` component, a backslash or a NUL is not a file of the channel. The path
/// asked for keeps its `/channel` prefix, so a folder's redirect to `folder/` keeps it too.
struct ChannelFiles: FileProvider {
    typealias FileAttributes = LocalFileSystem.FileAttributes
    typealias FileIdentifier = String
    static let prefix = "/channel"
    let files: LocalFileSystem

    init(folder: String, logger: Logger) {
        files = LocalFileSystem(rootFolder: folder, threadPool: .singleton, logger: logger)
    }

    /// The path inside the channel's folder a decoded request path names, if it names one.
    static func relativePath(_ path: String) -> String? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        guard let slash = rest.first else { return "/" }
        guard slash == "/" else { return nil }
        let inner = rest.dropFirst()
        var components = inner.split(separator: "/", omittingEmptySubsequences: false)
        // A folder asked for as a folder ends with a slash.
        if inner.isEmpty || inner.hasSuffix("/") { components.removeLast() }
        for component in components {
            guard !component.isEmpty, !component.hasPrefix("."), !component.contains("\\"),
                !component.contains("\0")
            else { return nil }
        }
        return String(rest)
    }

    func getFileIdentifier(_ path: String) -> String? {
        Self.relativePath(path).flatMap(files.getFileIdentifier)
    }

    func getAttributes(id: String) async throws -> FileAttributes? { try await files.getAttributes(id: id) }

    func loadFile(id: String, context: some RequestContext) async throws -> ResponseBody {
        try await files.loadFile(id: id, context: context)
    }

    func loadFile(id: String, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        try await files.loadFile(id: id, range: range, context: context)
    }
}

/// Every error a handler throws becomes the API's error body with a fitting status.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = RailyardContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw APIError.from(error)
        }
    }
}

/// One structured log line per request (method, path, status, milliseconds), and the request
/// counted and timed in the metrics.
struct ObserveRequestsMiddleware: RouterMiddleware {
    typealias Context = RailyardContext
    let observer: RequestObserver

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            observer.observe(
                method: request.method.rawValue, path: request.uri.path, status: response.status.code, since: start)
            return response
        } catch {
            observer.observe(
                method: request.method.rawValue, path: request.uri.path,
                status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }
}

/// What is done for every request answered, by the routes or the polling fast path: a log line
/// and the metrics.
struct RequestObserver: Sendable {
    let logger: Logger
    let metrics: ServerMetrics

    func observe(method: String, path: String, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        metrics.record(method: method, status: status, duration: elapsed)
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        logger.info(
            "request",
            metadata: [
                "method": .string(method), "path": .string(path), "status": .stringConvertible(status),
                "ms": .stringConvertible((milliseconds * 1000).rounded() / 1000),
            ])
    }
}
