import Foundation
import Hummingbird
import NIOCore
import RailyardCore
import RailyardStore

/// The status page's routes: `/`, `/trains/{v}`, `/trains/{v}/members/{name}`,
/// `/trains/{v}/graph.svg` and `/packages/{name}`. Reads like the API's: no token unless the server is `--private`.
struct PageRoutes: Sendable {
    let state: ServerState

    func add(to router: Router<RailyardContext>) {
        let api = API(state: state)
        router.get("/") { request, context in
            try await api.authorize(request, context, .read)
            let trains = try state.store.trains().map { summary throws(StoreError) in
                try state.store.train(summary.version, exact: true)
            }
            return html(Pages.index(trains, at: Date()))
        }
        router.get("/packages/:name") { request, context in
            try await api.authorize(request, context, .read)
            let name = try context.parameters.require("name")
            return try page {
                let trains = try state.store.trains().map { summary throws(StoreError) in
                    try state.store.train(summary.version, exact: true)
                }
                guard trains.contains(where: { $0.core == name || $0.member(name) != nil }) else { return nil }
                return Pages.package(name, in: trains, at: Date())
            } missing: {
                "No train has a package \(name)."
            }
        }
        router.get("/trains/:version") { request, context in
            try await api.authorize(request, context, .read)
            let version = try context.parameters.require("version")
            return try page {
                let train = try state.store.train(version)
                return Pages.train(train, events: try state.store.events(version), at: Date())
            }
        }
        router.get("/trains/:version/graph.svg") { request, context in
            try await api.authorize(request, context, .read)
            let version = try context.parameters.require("version")
            let train = try state.store.train(version)
            return Response(
                status: .ok, headers: [.contentType: "image/svg+xml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Pages.graph(train))))
        }
        router.get("/trains/:version/members/:name") { request, context in
            try await api.authorize(request, context, .read)
            let version = try context.parameters.require("version")
            let name = try context.parameters.require("name")
            return try page {
                let train = try state.store.train(version)
                guard let member = train.member(name) else {
                    return nil
                }
                let events = try state.store.events(version).filter { $0.event.member == name }
                return Pages.member(member, of: train, events: events, at: Date())
            } missing: {
                "The train \(version) has no member \(name)."
            }
        }
    }

    /// Renders a page; an unknown train (or what `missing` names) is an HTML 404.
    private func page(_ render: () throws -> String?, missing: () -> String = { "No such page." }) throws -> Response {
        do {
            if let text = try render() { return html(text) }
            return html(Pages.error(status: 404, message: missing(), at: Date()), status: .notFound)
        } catch StoreError.unknownTrain(let version) {
            return html(
                Pages.error(status: 404, message: "There is no train \(version).", at: Date()), status: .notFound)
        }
    }

    private func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
