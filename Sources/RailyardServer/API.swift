import Foundation
import Hummingbird
import NIOCore
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// `/api/v1`: everything the CLI of the train and the channel can do, as JSON over HTTP.
///
/// Every route reads its body strictly into its own `RequestBody` type and checks every value
/// against `Limits`; every mutation honours `Idempotency-Key`, scoped to the token and bound to
/// the request.
struct API: Sendable {
    let state: ServerState

    func add(to group: RouterGroup<RailyardContext>) {
        // Folders of uploads a killed server left behind.
        Self.sweepStaleUploads()
        group.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
        group.get("trains") { request, context in
            try await authorize(request, context, .read)
            return try state.service.trains().response()
        }
        group.post("trains") { request, context in
            let token = try await authorize(request, context, .create)
            let body = try await RequestReader.body(request, as: CreateTrainRequest.self)
            let answer = try state.service.create(
                body.version, companions: body.companions ?? [:], staleOK: body.staleOK == true, by: token.actor,
                guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request)))
            await state.watcher.poll()
            return answer.response(status: .created, headers: Self.replayed(answer.replayed))
        }
        group.post("trains/:version/supersede") { request, context in
            let token = try await authorize(request, context, .supersede)
            let version = try RequestReader.parameter(context, "version", limit: Limits.version)
            let body = try await RequestReader.body(request, as: SupersedeRequest.self)
            let answer = try state.service.supersede(
                version, by: body.by, companions: body.companions ?? [:], staleOK: body.staleOK == true,
                by: token.actor,
                guards: Guards(
                    expectRevision: try Self.expectedRevision(request),
                    idempotencyKey: try RequestReader.idempotencyKey(request)))
            await state.watcher.poll()
            return answer.response(status: .created, headers: Self.replayed(answer.replayed))
        }
        group.get("trains/:version") { request, context in
            try await authorize(request, context, .read)
            let version = try RequestReader.parameter(context, "version", limit: Limits.version)
            let wait = try RequestReader.integer(request, "wait", Limits.wait)
            // The polling fast path: the revision as last read, without a query.
            if wait == nil || wait == 0,
                let tag = state.watcher.unchangedTag(of: version, ifNoneMatch: request.headers[.ifNoneMatch])
            {
                return Response(status: .notModified, headers: [.eTag: tag])
            }
            var train = try state.service.status(of: version)
            let tag = "\"\(train.revision)\""
            if request.headers[.ifNoneMatch] == tag {
                guard let wait, wait > 0 else { return Response(status: .notModified, headers: [.eTag: tag]) }
                guard
                    await state.watcher.wait(train: version, after: train.revision, timeout: .seconds(wait)) != nil
                else { return Response(status: .notModified, headers: [.eTag: tag]) }
                train = try state.service.status(of: version)
            }
            return train.response(headers: [.eTag: "\"\(train.revision)\""])
        }
        group.get("trains/:version/gates") { request, context in
            try await authorize(request, context, .read)
            return try state.service.gates(of: try RequestReader.parameter(context, "version", limit: Limits.version))
                .response()
        }
        group.get("trains/:version/members") { request, context in
            try await authorize(request, context, .read)
            let version = try RequestReader.parameter(context, "version", limit: Limits.version)
            return MembersResponse(try state.service.status(of: version)).response()
        }
        group.get("trains/:version/log") { request, context in
            try await authorize(request, context, .read)
            return try state.service.log(of: try RequestReader.parameter(context, "version", limit: Limits.version))
                .response()
        }

        // Commands of release managers.
        command(group, "rc", .registerRC, RCRequest.self) { body in
            .registerRC(number: body.number, artifacts: [])
        }
        command(group, "advance", .advance, EmptyRequest.self) { _ in .advance }
        command(group, "abort", .abort, ReasonRequest.self) { body in .abort(reason: body.reason ?? "") }
        command(group, "final", .markFinal, FinalRequest.self) { body in .markFinal(rc: body.rc) }
        memberCommand(group, "exclude", .exclude, ExcludeRequest.self) { body, member in
            .exclude(member: member, reason: body.reason ?? "", cascade: body.cascade ?? false)
        }
        memberCommand(group, "waive", .waive, ReasonRequest.self) { body, member in
            .waive(member: member, reason: body.reason ?? "")
        }
        memberCommand(group, "ack", .acknowledge, AckRequest.self) { body, member in
            var eta: Date? = nil
            if let text = body.eta {
                guard let date = ISO8601DateFormatter().date(from: text) ?? Self.day(text) else {
                    throw APIError(.unprocessableContent, "invalid-argument", "'eta' must be a date (2026-12-01)")
                }
                eta = date
            }
            return .acknowledge(member: member, eta: eta)
        }
        memberCommand(group, "decline", .decline, ReasonRequest.self) { body, member in
            .decline(member: member, reason: body.reason ?? "")
        }
        group.post("trains/:version/promote") { request, context in
            let token = try await authorize(request, context, .promote)
            let version = try RequestReader.parameter(context, "version", limit: Limits.version)
            let body = try await RequestReader.body(request, as: PromoteRequest.self)
            let answer = try state.service.promote(
                version, move: body.yes == true, expectMain: body.expectMain, by: token.actor,
                guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request)))
            if !answer.replayed { state.metrics.recordSolves(train: answer.train, answer.solveFigures) }
            await state.watcher.poll()
            return answer.response(headers: Self.replayed(answer.replayed))
        }
        group.post("trains/:version/artifacts") { request, context in
            let version = try RequestReader.parameter(context, "version", limit: Limits.version)
            let token = try await authorize(request, context, .stage)
            let name = request.uri.queryParameters.get("filename") ?? ""
            guard name.utf8.count <= Limits.fileName else {
                throw APIError(
                    .unprocessableContent, "too-long", "?filename= is at most \(Limits.fileName) bytes",
                    details: ["field": .string("filename"), "limit": .number(Limits.fileName)])
            }
            guard PackageRecord.isSafeFileName(name), PackageRecord.format(ofFileName: name) != nil else {
                throw APIError(
                    .badRequest, "not-a-package-name",
                    "?filename= must be the package's file name (NAME-VERSION-BUILD.conda or .tar.bz2)")
            }
            let rc = try RequestReader.integer(request, "rc", Limits.rcNumber)
            return try await withUpload(request, named: name) { file in
                try await stage(file, named: name, rc: rc, train: version, by: token, request: request)
            }
        }

        group.post("trains/:version/sweep") { request, context in
            try await authorize(request, context, .sweep)
            let version = try RequestReader.parameter(context, "version", limit: Limits.version)
            _ = try await RequestReader.body(request, as: EmptyRequest.self)
            // The deadline policy acts, as `railyard train sweep` has it.
            let answer = try state.service.run(
                .sweepDeadlines, on: version, by: .policy,
                guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request)))
            await state.watcher.poll()
            return answer.response(headers: Self.replayed(answer.replayed))
        }
        group.get("trains/:version/matrix") { request, context in
            try await authorize(request, context, .read)
            return try state.service.matrix(
                of: try RequestReader.parameter(context, "version", limit: Limits.version)
            ).response()
        }
        group.get("trains/:version/patches") { request, context in
            try await authorize(request, context, .read)
            return try state.service.patches(
                for: try RequestReader.parameter(context, "version", limit: Limits.version)
            ).response()
        }
        group.get("channel/verify") { request, context in
            // Hashes every file of the channel: for release managers only.
            try await authorize(request, context, .verifyChannel)
            return try state.service.verify().response()
        }
        group.post("channel/revoke") { request, context in
            // Takes files off main: release managers only.
            let token = try await authorize(request, context, .revoke)
            let body = try await RequestReader.body(request, as: RevokeRequest.self)
            let answer = try state.service.revoke(
                body.files, reason: body.reason, move: body.yes == true, force: body.force == true,
                expectMain: body.expectMain, by: token.actor,
                guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request)))
            return answer.response(headers: Self.replayed(answer.replayed))
        }
        group.get("channel/log") { request, context in
            try await authorize(request, context, .read)
            return try state.service.channelLog().response()
        }
        group.post("channel/index") { request, context in
            // Reads every package file and rewrites every label's repodata: release managers only.
            let token = try await authorize(request, context, .indexChannel)
            _ = try await RequestReader.body(request, as: EmptyRequest.self)
            let answer = try state.service.index(
                by: token.actor, guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request)))
            return answer.response(headers: Self.replayed(answer.replayed))
        }

        // CI work.
        group.post("work/claim") { request, context in
            let token = try await authorize(request, context, .claim)
            let body = try await RequestReader.body(request, as: ClaimRequest.self)
            let answer = try state.service.claim(
                on: body.train, kind: body.kind, package: body.package, subdir: body.subdir, variant: body.variant,
                leaseSeconds: body.lease, by: token.actor,
                guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request)))
            await state.watcher.poll()
            return answer.response(headers: Self.replayed(answer.replayed))
        }
        group.post("work/:id/heartbeat") { request, context in
            let token = try await authorize(request, context, .heartbeat)
            let id = try RequestReader.parameter(context, "id", limit: Limits.workID)
            let body = try await RequestReader.body(request, as: HeartbeatRequest.self)
            return try state.service.heartbeat(
                id, leaseSeconds: body.lease, by: token.actor,
                guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request))
            ).response()
        }
        group.post("work/:id/report") { request, context in
            let token = try await authorize(request, context, .report)
            let id = try RequestReader.parameter(context, "id", limit: Limits.workID)
            let body = try await RequestReader.body(request, as: ReportRequest.self)
            let answer = try state.service.report(
                id, passed: body.result == "passed", log: body.log, by: token.actor,
                guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request)))
            await state.watcher.poll()
            return answer.response(headers: Self.replayed(answer.replayed))
        }
    }

    /// Stages an uploaded package file: the core's as RC `rc`, any other as a member's build.
    private func stage(
        _ file: String, named name: String, rc: Int?, train version: String, by token: TokenRecord, request: Request
    ) async throws -> Response {
        // The file is read once, by the use case; whether this person maintains the package is
        // the train's to decide, from the catalog.
        let response: Response
        switch try state.service.upload(
            file, rc: rc, on: version, by: token.actor, role: token.role,
            guards: Guards(idempotencyKey: try RequestReader.idempotencyKey(request)))
        {
        case .rc(let answer): response = answer.response(status: .created, headers: Self.replayed(answer.replayed))
        case .staged(let answer): response = answer.response(status: .created, headers: Self.replayed(answer.replayed))
        }
        await state.watcher.poll()
        return response
    }

    /// `POST /trains/{v}/NAME`: a train command from a `Body`, with `If-Match` and
    /// `Idempotency-Key`.
    private func command<Body: RequestBody>(
        _ group: RouterGroup<RailyardContext>, _ name: String, _ action: Action, _ type: Body.Type,
        _ make: @escaping @Sendable (Body) throws -> TrainCommand
    ) {
        let route = "trains/:version/\(name)"
        group.post(RouterPath(route)) { request, context in
            let token = try await authorize(request, context, action)
            let version = try RequestReader.parameter(context, "version", limit: Limits.version)
            let body = try await RequestReader.body(request, as: type)
            return try await execute(try make(body), on: version, by: token, request: request)
        }
    }

    /// `POST /trains/{v}/members/{name}/COMMAND`: the role's table says whether the token may ask;
    /// the train, whether this person may (a maintainer of the member, by the catalog).
    private func memberCommand<Body: RequestBody>(
        _ group: RouterGroup<RailyardContext>, _ name: String, _ action: Action, _ type: Body.Type,
        _ make: @escaping @Sendable (Body, String) throws -> TrainCommand
    ) {
        let route = "trains/:version/members/:name/\(name)"
        group.post(RouterPath(route)) { request, context in
            let member = try RequestReader.parameter(context, "name", limit: Limits.name)
            let token = try await authorize(request, context, action)
            let version = try RequestReader.parameter(context, "version", limit: Limits.version)
            let body = try await RequestReader.body(request, as: type)
            return try await execute(try make(body, member), on: version, by: token, request: request)
        }
    }

    private func execute(_ command: TrainCommand, on version: String, by token: TokenRecord, request: Request)
        async throws -> Response
    {
        let answer = try state.service.run(
            command, on: version, by: token.actor,
            guards: Guards(
                expectRevision: try Self.expectedRevision(request),
                idempotencyKey: try RequestReader.idempotencyKey(request)))
        await state.watcher.poll()
        var headers = Self.replayed(answer.replayed)
        headers[.eTag] = "\"\(answer.revision)\""
        return answer.response(headers: headers)
    }

    /// The revision `If-Match` names (`"7"`), if any.
    static func expectedRevision(_ request: Request) throws(APIError) -> Int? {
        guard let match = request.headers[.ifMatch] else { return nil }
        guard let revision = Int(match.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))), revision >= 0
        else {
            throw APIError.badRequest("If-Match must be a revision in quotes: \"7\"")
        }
        return revision
    }

    // MARK: - Idempotency

    /// The header that marks the answer to a repeated request.
    static let replayedHeader = HTTPFields.Element.Name("Idempotent-Replayed")!

    static func replayed(_ replayed: Bool) -> HTTPFields {
        replayed ? [replayedHeader: "true"] : [:]
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
    func authorize(_ request: Request, _ context: RailyardContext, _ action: Action) async throws -> TokenRecord {
        if action == .read, !state.options.isPrivate, request.headers[.authorization] == nil {
            return TokenRecord(name: "anonymous", role: .readOnly, createdAt: Date())
        }
        let token = try await authenticate(request, context)
        // What a role may ask for is the core's table; whether this person may is the train's.
        guard token.role.may(action) else {
            throw APIError(
                .forbidden, "not-allowed", "the token \(token.name) (\(token.role.rawValue)) may not do this")
        }
        return token
    }

    // MARK: - Uploads

    /// Streams an upload into a scratch folder of its own, runs `body` on the file, and removes
    /// the folder whatever happens: a refusal, a failure, a client that goes away mid-body.
    func withUpload(_ request: Request, named name: String, _ body: (String) async throws -> Response)
        async throws -> Response
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(Self.uploadPrefix)\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent(name).path
        try await receive(request, into: path)
        return try await body(path)
    }

    /// Writes the request's body to `path`; 413 beyond the limit.
    private func receive(_ request: Request, into path: String) async throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var size = 0
        for try await chunk in request.body {
            size += chunk.readableBytes
            guard size <= state.options.maxUpload else {
                throw APIError(
                    .contentTooLarge, "too-large", "a package file is at most \(state.options.maxUpload >> 20) MiB")
            }
            try handle.write(contentsOf: Data(chunk.readableBytesView))
        }
    }

    static let uploadPrefix = "railyard-upload-"

    /// Removes the upload folders a server killed mid-upload left in `folder`: those older than
    /// `age` (a day), so that a running server's uploads are never touched.
    @discardableResult
    static func sweepStaleUploads(
        in folder: URL = FileManager.default.temporaryDirectory, olderThan age: TimeInterval = 86_400,
        now: Date = Date()
    ) -> Int {
        let files = FileManager.default
        guard let names = try? files.contentsOfDirectory(atPath: folder.path) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(uploadPrefix) {
            let path = folder.appendingPathComponent(name)
            guard let modified = (try? files.attributesOfItem(atPath: path.path))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > age
            else { continue }
            if (try? files.removeItem(at: path)) != nil { removed += 1 }
        }
        return removed
    }

    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }
}
