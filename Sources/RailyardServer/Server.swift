import Foundation
import Hummingbird
import Logging
import NIOCore
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

    package init() {}
}

/// Everything the handlers share.
package final class ServerState: Sendable {
    let store: Store
    let trains: TrainChannel
    let catalog: Catalog?
    let options: ServerOptions
    let watcher: RevisionWatcher
    let metrics: ServerMetrics
    let throttle = AuthThrottle()
    /// Delivers notifications to the catalog's contacts (none without a catalog).
    let deliverer: Deliverer?

    package init(options: ServerOptions) throws {
        self.options = options
        store = try Store(path: options.database)
        trains = TrainChannel(store: store, channel: try LocalChannel(path: options.channel))
        catalog = try options.catalog.map { path in
            do {
                return try CatalogFile.load(path: path)
            } catch {
                throw APIError(.unprocessableContent, "invalid-catalog", "\(path): \(error)")
            }
        }
        watcher = RevisionWatcher(store: store)
        metrics = ServerMetrics(store: store)
        let store = self.store
        deliverer = catalog.flatMap { catalog in
            guard options.deliverNotifications else { return nil }
            return
                Deliverer(
                    store: store, contacts: catalog.contacts,
                    options: Deliverer.Options(
                        server: options.publicURL ?? "http://\(options.host):\(options.port)",
                        sendmail: options.sendmail, mailFrom: options.mailFrom, retry: options.retry))
        }
    }
}

/// The server of `railyard serve`: the API, the channel over HTTP, health and metrics.
package enum RailyardServer {
    package static func makeApplication(state: ServerState, logger: Logger) -> some ApplicationProtocol {
        let router = Router(context: RailyardContext.self)
        let observer = RequestObserver(logger: logger, metrics: state.metrics)
        router.middlewares.add(ObserveRequestsMiddleware(observer: observer))
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(HiddenPathsMiddleware())
        router.middlewares.add(
            FileMiddleware(state.options.channel, urlBasePath: "/channel", searchForIndexHtml: false, logger: logger))
        router.get("/health") { _, _ in JSONValue.object(["status": .string("ok")]).response() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: await state.metrics.exposition(watcher: state.watcher))))
        }
        API(state: state).add(to: router.group("api/v1"))
        PageRoutes(state: state).add(to: router)
        return Application(
            router: router,
            server: .http1(additionalChannelHandlers: [HTTP1Installer(state: state, observer: observer)]),
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

/// Nothing under a hidden path (the channel's `.railyard` journal and generations) is served.
struct HiddenPathsMiddleware: RouterMiddleware {
    typealias Context = RailyardContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.uri.path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
            throw APIError(.notFound, "not-found", "no such file")
        }
        return try await next(request, context)
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
