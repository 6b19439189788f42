import Foundation
import Hummingbird
import Prometheus
import RailyardCore
import RailyardStore
import Synchronization

/// The server's Prometheus metrics: requests and their latencies as they happen; trains by
/// stage, members by state, the outbox's depth, open leases, long-polls and connections, read at
/// each scrape.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let store: Store
    let latency: DurationHistogram
    /// Connections answered 503 because `--max-connections` were open.
    let connectionsRefused: Counter
    private let closedByGuard: [ConnectionClose: Counter]

    /// Why the server closed a connection on its own.
    enum ConnectionClose: String, CaseIterable {
        case headerTimeout = "header-timeout"
        case idleTimeout = "idle-timeout"
        case headerTooLarge = "header-too-large"
    }

    init(store: Store) {
        self.store = store
        latency = registry.makeDurationHistogram(
            name: "railyard_http_request_duration_seconds",
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                .milliseconds(500), .seconds(1), .seconds(5), .seconds(30), .seconds(60),
            ],
            help: "HTTP request latency (long-polls included)")
        connectionsRefused = registry.makeCounter(
            name: "railyard_http_connections_refused_total", help: "Connections answered 503: --max-connections open")
        var closed: [ConnectionClose: Counter] = [:]
        for reason in ConnectionClose.allCases {
            closed[reason] = registry.makeCounter(
                name: "railyard_http_connections_closed_total", labels: [("reason", reason.rawValue)],
                help: "Connections the server closed: too slow a head, idle, too large a head")
        }
        closedByGuard = closed
    }

    func closed(_ reason: ConnectionClose) { closedByGuard[reason]?.increment() }

    /// The cost of the solver's check per train and cell, as its last promotion (dry run or
    /// move) through this server measured it: a solve that gets slower shows here.
    func recordSolves(train: String, _ figures: [SolveFigure]) {
        for figure in figures {
            let labels = [("train", train), ("cell", figure.cell)]
            registry.makeGauge(
                name: "railyard_solve_seconds", labels: labels,
                help: "Time the solver took for a cell's solves, at the train's last promotion check"
            ).set(figure.seconds)
            registry.makeGauge(
                name: "railyard_solves", labels: labels, help: "Solves of a cell at the train's last promotion check"
            ).set(Double(figure.solves))
            if let peak = figure.peakMemoryBytes {
                registry.makeGauge(
                    name: "railyard_solve_peak_memory_bytes", labels: labels,
                    help:
                        "The solver's peak resident memory by a cell's last solve, at the train's last promotion check"
                ).set(Double(peak))
            }
        }
    }

    /// The request counters by method and status, made once each.
    private let counters = Mutex<[RequestKey: Counter]>([:])
    private struct RequestKey: Hashable {
        var method: String
        var status: Int
    }

    /// The methods counted by name; any other is counted as `other`, so that made-up methods
    /// cannot grow the metrics without bound.
    private static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    func record(method: String, status: Int, duration: Duration) {
        let method = Self.methods.contains(method) ? method : "other"
        let key = RequestKey(method: method, status: status)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                name: "railyard_http_requests_total", labels: [("method", method), ("status", String(status))],
                help: "HTTP requests by method and status")
            counters[key] = counter
            return counter
        }
        counter.increment()
        latency.record(duration)
    }

    /// The text a Prometheus scrape reads.
    func exposition(watcher: RevisionWatcher, connections: Int) async -> [UInt8] {
        if let gauges = try? store.gauges() {
            for stage in Stage.allCases {
                registry.makeGauge(
                    name: "railyard_trains", labels: [("stage", stage.rawValue)], help: "Trains by stage"
                ).set(Double(gauges.trains[stage.rawValue] ?? 0))
            }
            for state in MemberState.allCases {
                registry.makeGauge(
                    name: "railyard_members", labels: [("state", state.rawValue)],
                    help: "Members of trains in progress, by state"
                ).set(Double(gauges.members[state.rawValue] ?? 0))
            }
            registry.makeGauge(name: "railyard_outbox_pending", help: "Notifications waiting to be delivered")
                .set(Double(gauges.outbox))
            registry.makeGauge(name: "railyard_work_leases", help: "CI claims currently held").set(
                Double(gauges.leases))
        }
        registry.makeGauge(name: "railyard_long_polls", help: "Requests waiting for a train to change")
            .set(Double(await watcher.waiting))
        registry.makeGauge(name: "railyard_http_connections", help: "Open HTTP connections").set(Double(connections))
        return registry.emitToBuffer()
    }
}
