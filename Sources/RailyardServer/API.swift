import Foundation
import Hummingbird
import NIOCore
import RailyardChannel
import RailyardCore
import RailyardStore

/// `/api/v1`: everything the CLI of the train and the channel can do, as JSON over HTTP.
struct API: Sendable {
    let state: ServerState

    /// What a route needs of the caller's token.
    enum Permission {
        case read
        case releaseManager
        /// A release manager, or a maintainer token naming the package.
        case maintainerOf(String)
        case ci
    }

    func add(to group: RouterGroup<RailyardContext>) {
        group.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
        group.get("trains") { request, context in
            try await authorize(request, context, .read)
            let trains = try state.store.trains()
            return JSONValue.array(
                trains.map { summary in
                    .object([
                        "train": .string(summary.version), "stage": .string(summary.stage.rawValue),
                        "revision": .number(summary.revision), "rc": summary.rc.map { .number($0) } ?? .null,
                        "created_at": Views.iso(summary.createdAt), "updated_at": Views.iso(summary.updatedAt),
                    ])
                }
            ).response()
        }
        group.post("trains") { request, context in
            let token = try await authorize(request, context, .releaseManager)
            let body = try await json(request)
            guard let catalog = state.catalog else {
                throw APIError(.conflict, "no-catalog", "the server was started without --catalog")
            }
            guard let text = body["version"] as? String, let version = try? Version(text) else {
                throw APIError(.unprocessableContent, "invalid-version", "'version' must be a conda version")
            }
            var companions: [String: Version] = [:]
            for (name, value) in body["companions"] as? [String: String] ?? [:] {
                guard let parsed = try? Version(value) else {
                    throw APIError(.unprocessableContent, "invalid-version", "companions.\(name): '\(value)'")
                }
                companions[name] = parsed
            }
            let now = Date()
            let plan: Plan
            do {
                plan = try Planner.plan(catalog, coreVersion: version, companions: companions)
            } catch {
                throw APIError(.unprocessableContent, "plan-refused", "\(error)")
            }
            let train: Train
            do throws(TrainRejection) {
                train = try Train.create(plan: plan, catalog: catalog, by: token.actor, at: now)
            } catch {
                throw APIError.from(StoreError.rejected(error))
            }
            let outcome = try state.store.create(train, by: token.actor, at: now)
            await state.watcher.poll()
            return Views.outcome(outcome).response(status: .created)
        }
        group.get("trains/:version") { request, context in
            try await authorize(request, context, .read)
            let version = try context.parameters.require("version")
            let wait = request.uri.queryParameters.get("wait").flatMap(Int.init)
            // The polling fast path: the revision as last read, without a query.
            if wait == nil || wait == 0,
                let tag = state.watcher.unchangedTag(of: version, ifNoneMatch: request.headers[.ifNoneMatch])
            {
                return Response(status: .notModified, headers: [.eTag: tag])
            }
            var train = try state.store.train(version)
            let tag = "\"\(train.revision)\""
            if request.headers[.ifNoneMatch] == tag {
                guard let wait, wait > 0 else { return Response(status: .notModified, headers: [.eTag: tag]) }
                guard
                    await state.watcher.wait(
                        train: version, after: train.revision, timeout: .seconds(min(wait, 60))) != nil
                else { return Response(status: .notModified, headers: [.eTag: tag]) }
                train = try state.store.train(version)
            }
            return Views.train(train, at: Date()).response(headers: [.eTag: "\"\(train.revision)\""])
        }
        group.get("trains/:version/gates") { request, context in
            try await authorize(request, context, .read)
            let train = try state.store.train(try context.parameters.require("version"))
            return JSONValue.object([
                "train": .string(train.version.description), "stage": .string(train.stage.rawValue),
                "checks": .array(train.stage.isTerminal ? [] : train.gate(leaving: train.stage).map(Views.gate)),
            ]).response()
        }
        group.get("trains/:version/members") { request, context in
            try await authorize(request, context, .read)
            let train = try state.store.train(try context.parameters.require("version"))
            let now = Date()
            return JSONValue.array(train.members.map { Views.member(train, $0, at: now) }).response()
        }
        group.get("trains/:version/log") { request, context in
            try await authorize(request, context, .read)
            let events = try state.store.events(try context.parameters.require("version"))
            return JSONValue.array(
                events.map { event in
                    .object([
                        "revision": .number(event.revision), "actor": .string(event.actor), "at": Views.iso(event.at),
                        "command": .string(event.command), "summary": .string(event.event.summary),
                    ])
                }
            ).response()
        }

        // Commands of release managers.
        command(group, "rc", .releaseManager) { body, _ in
            guard let number = body["number"] as? Int else {
                throw APIError(.unprocessableContent, "invalid-argument", "'number' must be an integer")
            }
            return .registerRC(number: number, subdirs: body["subdirs"] as? [String] ?? [])
        }
        command(group, "advance", .releaseManager) { _, _ in .advance }
        command(group, "abort", .releaseManager) { body, _ in .abort(reason: body["reason"] as? String ?? "") }
        command(group, "final", .releaseManager) { body, _ in
            guard let rc = body["rc"] as? Int else {
                throw APIError(.unprocessableContent, "invalid-argument", "'rc' must be an integer")
            }
            return .markFinal(rc: rc)
        }
        memberCommand(group, "exclude", maintainers: false) { body, member in
            .exclude(
                member: member, reason: body["reason"] as? String ?? "", cascade: body["cascade"] as? Bool ?? false)
        }
        memberCommand(group, "waive", maintainers: false) { body, member in
            .waive(member: member, reason: body["reason"] as? String ?? "")
        }
        memberCommand(group, "ack", maintainers: true) { body, member in
            var eta: Date? = nil
            if let text = body["eta"] as? String {
                guard let date = ISO8601DateFormatter().date(from: text) ?? Self.day(text) else {
                    throw APIError(.unprocessableContent, "invalid-argument", "'eta' must be a date (2026-12-01)")
                }
                eta = date
            }
            return .acknowledge(member: member, eta: eta)
        }
        memberCommand(group, "decline", maintainers: true) { body, member in
            .decline(member: member, reason: body["reason"] as? String ?? "")
        }
        group.post("trains/:version/promote") { request, context in
            let token = try await authorize(request, context, .releaseManager)
            let version = try context.parameters.require("version")
            let body = try await json(request)
            let result: JSONValue
            if body["yes"] as? Bool == true {
                let moved = try state.trains.promote(
                    train: version, by: token.actor, at: Date(), expectGeneration: body["expect_main"] as? Int)
                result = Views.plan(moved.plan, generation: moved.generation, moved: moved.outcome)
            } else {
                let (plan, generation) = try state.trains.plan(train: version)
                result = Views.plan(plan, generation: generation, moved: nil)
            }
            await state.watcher.poll()
            return result.response()
        }
        group.post("trains/:version/artifacts") { request, context in
            let version = try context.parameters.require("version")
            let token = try await authenticate(request, context)
            guard token.role == .releaseManager || token.role == .maintainer else {
                throw APIError(.forbidden, "not-allowed", "\(token.name) (\(token.role.rawValue)) may not stage builds")
            }
            let name = request.uri.queryParameters.get("filename") ?? ""
            guard PackageRecord.isSafeFileName(name), PackageRecord.format(ofFileName: name) != nil else {
                throw APIError(
                    .badRequest, "not-a-package-name",
                    "?filename= must be the package's file name (NAME-VERSION-BUILD.conda or .tar.bz2)")
            }
            let file = try await upload(request, named: name)
            defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
            let record = try TrainChannel.read([file])[0].record
            if token.role == .maintainer && !token.packages.contains(record.name) {
                throw APIError(
                    .forbidden, "not-allowed", "\(token.name) may stage only \(token.packages.joined(separator: ", "))")
            }
            let train = try state.store.train(version)
            let staged: JSONValue
            if record.name == train.core {
                guard token.role == .releaseManager else {
                    throw APIError(.forbidden, "not-allowed", "only release managers register RCs")
                }
                guard let number = request.uri.queryParameters.get("rc").flatMap(Int.init) else {
                    throw APIError(.unprocessableContent, "invalid-argument", "the core's files are an RC: add ?rc=N")
                }
                staged = Views.outcome(
                    try state.trains.registerRC(
                        number: number, files: [file], train: version, by: token.actor, at: Date()))
            } else {
                let items = try state.trains.stage(files: [file], train: version, by: token.actor, at: Date())
                staged = .array(
                    items.map { item in
                        .object([
                            "package": .string(item.package),
                            "files": .array(item.artifacts.map { .string($0.description) }),
                            "changed": .bool(item.outcome != nil),
                            "revision": item.outcome.map { .number($0.revision) } ?? .null,
                        ])
                    })
            }
            await state.watcher.poll()
            return staged.response(status: .created)
        }

        group.post("trains/:version/sweep") { request, context in
            try await authorize(request, context, .releaseManager)
            let version = try context.parameters.require("version")
            // The deadline policy acts, as `railyard train sweep` has it.
            let outcome = try state.store.execute(.sweepDeadlines, on: version, by: .policy, at: Date())
            await state.watcher.poll()
            return Views.outcome(outcome).response()
        }
        group.get("trains/:version/patches") { request, context in
            try await authorize(request, context, .read)
            let train = try state.store.train(try context.parameters.require("version"))
            try state.trains.recover()
            let main = try state.trains.channel.snapshot(label: "main").subdirs.mapValues(\.records)
            return JSONValue.array(
                train.patchProposals(main: main).map { item in
                    .object([
                        "subdir": .string(item.subdir), "file": .string(item.fileName),
                        "package": .string(item.package),
                        "version": .string(item.version), "spec": .string(item.spec),
                        "proposed": .string(item.proposed),
                        "reason": .string(item.reason), "depends": .array(item.depends.map { .string($0) }),
                    ])
                }
            ).response()
        }
        group.get("channel/verify") { request, context in
            // Hashes every file of the channel: for release managers only.
            try await authorize(request, context, .releaseManager)
            try state.trains.recover()
            let problems = state.trains.channel.verify()
            return JSONValue.object([
                "ok": .bool(problems.isEmpty), "main_generation": .number(state.trains.channel.mainGeneration),
                "problems": .array(problems.map { .string($0) }),
            ]).response()
        }
        group.post("channel/index") { request, context in
            // Reads every package file and rewrites every label's repodata: release managers only.
            try await authorize(request, context, .releaseManager)
            let summary = try state.trains.index()
            return JSONValue.object([
                "main_generation": .number(summary.mainGeneration),
                "labels": .object(summary.labels.mapValues { .number($0) }),
            ]).response()
        }

        // CI work.
        group.post("work/claim") { request, context in
            let token = try await authorize(request, context, .ci)
            let body = try await json(request)
            guard let train = body["train"] as? String else {
                throw APIError(.unprocessableContent, "invalid-argument", "'train' is required")
            }
            var kind: WorkItem.Kind? = nil
            if let text = body["kind"] as? String {
                guard let parsed = WorkItem.Kind(rawValue: text) else {
                    throw APIError(.unprocessableContent, "invalid-argument", "'kind' is build, test or integration")
                }
                kind = parsed
            }
            let lease = TimeInterval(body["lease_seconds"] as? Int ?? 1800)
            guard lease > 0 && lease <= 86_400 else {
                throw APIError(.unprocessableContent, "invalid-argument", "'lease_seconds' is 1 to 86400")
            }
            let item = try state.store.claim(
                train: train, kind: kind, package: body["package"] as? String, runner: token.name, lease: lease,
                at: Date())
            await state.watcher.poll()
            return (item.map(Views.work) ?? .null).response()
        }
        group.post("work/:id/heartbeat") { request, context in
            let token = try await authorize(request, context, .ci)
            let body = try await json(request)
            let item = try state.store.heartbeat(
                work: try context.parameters.require("id"), runner: token.name,
                lease: TimeInterval(body["lease_seconds"] as? Int ?? 1800), at: Date())
            return Views.work(item).response()
        }
        group.post("work/:id/report") { request, context in
            let token = try await authorize(request, context, .ci)
            let body = try await json(request)
            guard let result = body["result"] as? String, result == "passed" || result == "failed" else {
                throw APIError(.unprocessableContent, "invalid-argument", "'result' is passed or failed")
            }
            let outcome = try state.store.report(
                work: try context.parameters.require("id"), passed: result == "passed", log: body["log"] as? String,
                runner: token.name, at: Date())
            await state.watcher.poll()
            return Views.outcome(outcome).response()
        }
    }

    /// `POST /trains/{v}/NAME`: a train command from a JSON body, with `If-Match` and
    /// `Idempotency-Key`.
    private func command(
        _ group: RouterGroup<RailyardContext>, _ name: String, _ permission: Permission,
        _ make: @escaping @Sendable ([String: Any], String) throws -> TrainCommand
    ) {
        group.post("trains/:version/\(name)") { request, context in
            let token = try await authorize(request, context, permission)
            let version = try context.parameters.require("version")
            let command = try make(try await json(request), version)
            return try await execute(command, on: version, by: token, request: request)
        }
    }

    /// `POST /trains/{v}/members/{name}/COMMAND`: for release managers, and with `maintainers`
    /// also for a maintainer token naming the package.
    private func memberCommand(
        _ group: RouterGroup<RailyardContext>, _ name: String, maintainers: Bool,
        _ make: @escaping @Sendable ([String: Any], String) throws -> TrainCommand
    ) {
        group.post("trains/:version/members/:name/\(name)") { request, context in
            let member = try context.parameters.require("name")
            let token = try await authorize(request, context, maintainers ? .maintainerOf(member) : .releaseManager)
            let version = try context.parameters.require("version")
            let command = try make(try await json(request), member)
            return try await execute(command, on: version, by: token, request: request)
        }
    }

    private func execute(_ command: TrainCommand, on version: String, by token: TokenRecord, request: Request)
        async throws -> Response
    {
        var expected: Int? = nil
        if let match = request.headers[.ifMatch] {
            guard let revision = Int(match.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))) else {
                throw APIError.badRequest("If-Match must be a revision in quotes: \"7\"")
            }
            expected = revision
        }
        let outcome = try state.store.execute(
            command, on: version, by: token.actor, at: Date(), expectRevision: expected,
            idempotencyKey: request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value)
        await state.watcher.poll()
        return Views.outcome(outcome).response(headers: [.eTag: "\"\(outcome.revision)\""])
    }

    // MARK: - Tokens

    /// The caller's token, refusing (401) when there is none or it is not valid, and (429) while
    /// its address is locked out for presenting bad tokens.
    func authenticate(_ request: Request, _ context: RailyardContext) async throws -> TokenRecord {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "unauthorized", "this needs a token: Authorization: Bearer <token>")
        }
        let address = context.remoteAddress?.ipAddress ?? "local"
        if let until = await state.throttle.lockedUntil(address) {
            let seconds = max(1, Int(((until - .now).components.seconds)) + 1)
            throw APIError(
                .tooManyRequests, "too-many-bad-tokens",
                "too many bad tokens from this address: try again in \(seconds) s", retryAfter: seconds)
        }
        guard let token = try state.store.authenticate(secret: String(header.dropFirst(7)), at: Date()) else {
            await state.throttle.failed(address)
            throw APIError(.unauthorized, "unauthorized", "the token is unknown, expired or revoked")
        }
        return token
    }

    /// Checks the caller may do what `permission` says; 401 without a valid token, 403 when the
    /// token's role does not allow it. Reads need no token unless the server is private.
    @discardableResult
    func authorize(_ request: Request, _ context: RailyardContext, _ permission: Permission) async throws
        -> TokenRecord
    {
        if case .read = permission, !state.options.isPrivate, request.headers[.authorization] == nil {
            return TokenRecord(name: "anonymous", role: .readOnly, packages: [], createdAt: Date())
        }
        let token = try await authenticate(request, context)
        let allowed: Bool
        switch permission {
        case .read: allowed = true
        case .releaseManager: allowed = token.role == .releaseManager
        case .maintainerOf(let package):
            allowed = token.role == .releaseManager || (token.role == .maintainer && token.packages.contains(package))
        case .ci: allowed = token.role == .ci || token.role == .releaseManager
        }
        guard allowed else {
            throw APIError(
                .forbidden, "not-allowed", "the token \(token.name) (\(token.role.rawValue)) may not do this")
        }
        return token
    }

    // MARK: - Bodies

    /// The request's JSON object (an empty body is an empty object); 400 when it is not one.
    func json(_ request: Request) async throws -> [String: Any] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 1 << 20)
        } catch {
            throw APIError(.contentTooLarge, "too-large", "a command's body is at most 1 MiB")
        }
        guard buffer.readableBytes > 0 else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]
        else { throw APIError.badRequest("the body must be a JSON object") }
        return object
    }

    /// Streams an upload to a scratch file named `name`; 413 beyond the limit.
    func upload(_ request: Request, named name: String) async throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "railyard-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var size = 0
        for try await chunk in request.body {
            size += chunk.readableBytes
            guard size <= state.options.maxUpload else {
                try? FileManager.default.removeItem(at: folder)
                throw APIError(
                    .contentTooLarge, "too-large", "a package file is at most \(state.options.maxUpload >> 20) MiB")
            }
            try handle.write(contentsOf: Data(chunk.readableBytesView))
        }
        return path
    }

    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }
}
