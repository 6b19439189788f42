import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore

/// A response the CLI prints: as its JSON with `--json`, otherwise as `text`. The text comes
/// from the response alone, so that a command prints the same wherever it ran.
protocol Rendered: Encodable {
    var text: String { get }
    /// The exit code of an answer that is not a failure but says no (a dry run whose checks do
    /// not hold): nil for 0.
    var refusal: ExitCode? { get }
}

extension Rendered {
    var refusal: ExitCode? { nil }
}

extension StoreOptions {
    /// Where the use cases run: on `--server` when it is given, otherwise here, over `--db` and
    /// `--channel`, with `now` as the time.
    func service(catalog: Catalog? = nil, now: @escaping @Sendable () -> Date = Date.init) throws
        -> any TrainService
    {
        if let server {
            guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https" else {
                throw refuse(
                    ServiceError(.invalid, "invalid-argument", "--server \(server): not an http(s) URL"),
                    json: output.json)
            }
            return RemoteTrainService(base: url, token: token)
        }
        return LocalTrainService(store: try open(), channel: channel, catalog: catalog, now: now)
    }

    /// Runs a use case and prints its answer; a failure is reported the documented way.
    func answer<Answer: Rendered>(_ body: (any TrainService) async throws(ServiceError) -> Answer) async throws {
        let service = try service()
        try await answer(with: service, body)
    }

    func answer<Answer: Rendered>(
        with service: any TrainService, _ body: (any TrainService) async throws(ServiceError) -> Answer
    ) async throws {
        let answer: Answer
        do {
            answer = try await body(service)
        } catch {
            throw refuse(error, json: output.json)
        }
        try print(answer)
    }

    /// Prints an answer: its JSON with `--json`, its text otherwise.
    func print(_ answer: some Rendered) throws {
        var out = OutputBuffer()
        out.append(output.json ? String(decoding: Wire.encode(answer), as: UTF8.self) + "\n" : answer.text)
        out.flush()
        if let refusal = answer.refusal { throw refusal }
    }
}

/// Reports a failed use case: its error object on standard output with `--json`, its sentence
/// on standard error, and the exit code of its category.
func refuse(_ error: ServiceError, json: Bool) -> ExitCode {
    if json {
        var out = OutputBuffer()
        out.append(String(decoding: Wire.encode(error.body), as: UTF8.self) + "\n")
        out.flush()
    }
    StandardError.write("railyard: \(error.message)\n")
    return ExitCode(error.category.exitCode)
}

extension ActorOptions {
    /// The guards of a mutation as given on the command line.
    var guards: Guards { Guards(expectRevision: expectRevision, idempotencyKey: idempotencyKey) }
}

/// Runs a train command where the use cases run, and prints what it did.
func perform(
    _ command: TrainCommand, on version: String, store: StoreOptions, actor: ActorOptions, by who: Actor? = nil,
    now: @escaping @Sendable () -> Date = Date.init
) async throws {
    let service = try store.service(now: now)
    try await store.answer(with: service) { service async throws(ServiceError) in
        try await service.run(command, on: version, by: who ?? actor.person, guards: actor.guards)
    }
}

/// A date as ISO 8601, for output.
func iso(_ date: Date) -> String {
    ISO8601DateFormatter().string(from: date)
}

extension CommandResponse: Rendered {
    var text: String {
        let note = replayed ? " (repeated idempotency key: nothing changed)" : ""
        return "train \(train) at revision \(revision)\(note)\n" + events.map { "  \($0)\n" }.joined()
            + warnings.map { "warning: \($0)\n" }.joined()
    }
}

extension TrainListResponse: Rendered {
    var text: String {
        let rows = trains.map {
            [$0.train, $0.stage, String($0.revision), $0.rc.map { "RC \($0)" } ?? "-", iso($0.updatedAt)]
        }
        return Table(header: ["train", "stage", "revision", "rc", "updated"], rows: rows).text
    }
}

extension TrainStatusResponse: Rendered {
    var text: String {
        var out =
            "train \(train) (\(kind)): \(stage), revision \(revision)" + (rc.map { ", RC \($0)" } ?? ", no RC yet")
        if let supersededBy { out += "\nsuperseded by train \(supersededBy): it carries on what still held" }
        if let supersedes { out += "\nsupersedes train \(supersedes) (train log \(train) lists what it carried over)" }
        out += "\n\n"
        let rows = members.map { member -> [String] in
            [
                String(member.wave), member.name, member.reason, member.state, member.version,
                member.blocked.map { "\($0.kind.rawValue): \($0.detail)" }.joined(separator: "; "),
            ]
        }
        out += Table(header: ["wave", "package", "reason", "state", "version", "blocked"], rows: rows).text
        if let next = Stage(rawValue: stage)?.next {
            out += "\ngate to leave \(stage) (for \(next.rawValue)):\n"
        } else if stage == Stage.staged.rawValue {
            out += "\ngate to release:\n"
        }
        for check in gates { out += "  [\(check.ok ? "ok" : "--")] \(check.name): \(check.detail)\n" }
        return out
    }
}

extension GatesResponse: Rendered {
    var text: String {
        var out = "train \(train): \(stage)\n"
        for check in checks { out += "  [\(check.ok ? "ok" : "--")] \(check.name): \(check.detail)\n" }
        if !rootCauses.isEmpty {
            out += "root causes:\n"
            for cause in rootCauses {
                let days = Int(at.timeIntervalSince(cause.since) / 86_400)
                out +=
                    "  \(cause.member): \(cause.detail) (owners: \(cause.owners.joined(separator: ", ")); \(days)d)\n"
                for command in cause.commands { out += "      \(command)\n" }
            }
        }
        return out
    }
}

extension TrainLogResponse: Rendered {
    var text: String {
        events.map { "\(iso($0.at))  r\($0.revision)  \($0.actor)  \($0.command): \($0.summary)\n" }.joined()
    }
}

extension PromotionResponse: Rendered {
    var text: String {
        var out = "train \(train): main \(dryRun ? "would gain" : "gained") \(gainCount) files\n"
        for (subdir, files) in gains.sorted(by: { $0.key < $1.key }) {
            out += "  \(subdir):\n"
            for file in files { out += "    + \(file.file)  sha256:\(file.sha256)\n" }
        }
        if !matrix.rows.isEmpty && !matrix.columns.isEmpty {
            out += "variant matrix:\n" + matrix.text.split(separator: "\n").map { "  \($0)\n" }.joined()
        }
        if !solves.isEmpty {
            out += "solves (\(solves.filter(\.ok).count) of \(solves.count) install):\n"
            for solve in solves {
                out += "  [\(solve.ok ? "ok" : "not ok")] \(solve.name): \(solve.specs.joined(separator: " "))\n"
                if let problem = solve.problem { out += "      \(problem)\n" }
            }
            if changes.isEmpty && solves.contains(where: { $0.name.hasSuffix("(no version asked)") }) {
                out += "what users get with no version asked does not change\n"
            } else if !changes.isEmpty {
                out += "what users get with no version asked changes:\n"
                for change in changes {
                    out += "  \(change.name)\n" + change.changes.map { "      \($0)\n" }.joined()
                }
            }
            for figure in solveFigures {
                let memory = figure.peakMemoryBytes.map { ", solver's peak memory \($0 / 1_048_576) MiB" } ?? ""
                out += "  cost of \(figure.cell): \(figure.solves) solves in \(figure.seconds) s\(memory)\n"
            }
        }
        out += "checks:\n"
        for check in checks { out += "  [\(check.ok ? "ok" : "not ok")] \(check.name): \(check.detail)\n" }
        if let revision, !dryRun {
            out += "main is now generation \(mainGeneration); train \(train) released at revision \(revision)\n"
        } else if ok {
            out +=
                "main is at generation \(mainGeneration); to move: railyard train promote \(train) --yes --expect-main \(mainGeneration)\n"
        } else {
            out += "not promotable yet: the checks above that are not ok must hold first\n"
        }
        return out
    }

    var refusal: ExitCode? { ok ? nil : ExitStatus.refused }
}

extension MatrixResponse: Rendered {
    /// A row per core build, a column per package, each cell the member's build string,
    /// `MISSING` or `exempt`; then the problems, and the members × cells view.
    var text: String {
        guard !rows.isEmpty else { return "no build of \(core) \(version) in the RC: register an RC first\n" }
        let header =
            ["\(core) \(version)"] + columns.map { "\($0.package) \($0.version)" }
            + (columns.isEmpty ? ["(no companion or C++/CUDA member has a build yet)"] : [])
        let lines = rows.map { row in
            ["\(row.subdir) \(row.build)"]
                + row.cells.map { cell in
                    switch cell.state {
                    case "ok": cell.files.map(PackageRecord.buildString(ofFileName:)).joined(separator: " ")
                    case "exempt": "exempt"
                    default: "MISSING"
                    }
                }
        }
        var out = Table(header: header, rows: lines).text
        for problem in problems { out += "  missing: \(problem)\n" }
        if let tests {
            out +=
                "\n"
                + Table(
                    header: ["tests against the RC"] + tests.cells,
                    rows: tests.members.map { [$0.package] + $0.states.map { $0?.rawValue ?? "-" } }
                ).text
        }
        return out
    }

    var refusal: ExitCode? { complete ? nil : ExitStatus.refused }
}

extension PatchesResponse: Rendered {
    var text: String {
        if affected.isEmpty { return "no build on main pins the core without an upper bound\n" }
        var out = affected.map { "\($0.subdir)/\($0.fileName): '\($0.spec)' -> '\($0.proposed)' (\($0.reason))\n" }
            .joined()
        if let check {
            out += "solver check: \(check.verdict.rawValue): \(check.detail)\n"
            for broken in check.broken { out += "  breaks \(broken)\n" }
            out += "  checked with: " + check.solves.joined(separator: "; ") + "\n"
        }
        return out + "a proposal to review: nothing was applied (--json gives patch_instructions.json per subdir)\n"
    }

    /// A proposal the solver says breaks an install is refused, as a dry run that fails.
    var refusal: ExitCode? { check?.verdict == .failed ? ExitStatus.refused : nil }
}

extension RevokeResponse: Rendered {
    var text: String {
        var out =
            "main \(dryRun ? "would lose" : "lost") \(files.count) file\(files.count == 1 ? "" : "s") (to the \(label) label):\n"
        for file in files { out += "  - \(file.subdir)/\(file.file)  sha256:\(file.sha256)\n" }
        if let lastRelease {
            if let solver {
                out += "the last release, \(lastRelease): \(solves.count) solves by \(solver); "
                out += changes.isEmpty ? "none changes\n" : "\(changes.count) of them change:\n"
                for change in changes {
                    out += "  [\(change.breaks ? "breaks" : "changes")] \(change.name)\n"
                    for line in change.changes { out += "      \(line)\n" }
                }
            } else if let notRun {
                out += "the last release, \(lastRelease): its solves were not run: \(notRun)\n"
            }
        } else {
            out += "no train was released: no install to check\n"
        }
        for refusal in refusals { out += "refused: \(refusal)\n" }
        if !dryRun {
            out += "main is now generation \(mainGeneration)\(forced ? " (forced past the refusals above)" : "")\n"
        } else if ok {
            out +=
                "main is at generation \(mainGeneration); to revoke: railyard channel revoke "
                + files.map { "\($0.subdir)/\($0.file)" }.joined(separator: " ")
                + " --reason \(Self.quoted(reason)) --yes --expect-main \(mainGeneration)\n"
        } else {
            out += "not revoked: --force revokes anyway\n"
        }
        return out
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    var refusal: ExitCode? { ok ? nil : ExitStatus.refused }
}

extension ChannelLogResponse: Rendered {
    var text: String {
        if entries.isEmpty { return "no change of main outside a train\n" }
        return entries.map { entry in
            var line =
                "\(iso(entry.at))  \(entry.actor)  \(entry.action) (generation \(entry.fromGeneration) -> \(entry.toGeneration)): \(entry.reason)\n"
            if case .object(let detail) = entry.detail, case .array(let files) = detail["files"] {
                for case .object(let file) in files {
                    if case .string(let subdir) = file["subdir"], case .string(let name) = file["file"] {
                        line += "    \(subdir)/\(name)\n"
                    }
                }
            }
            return line
        }.joined()
    }
}

extension StageResponse: Rendered {
    var text: String {
        staged.map { item in
            let files = item.files.joined(separator: ", ")
            guard item.changed else { return "\(item.package): already staged (\(files)); nothing changed\n" }
            return "\(item.package): staged on \(label): \(files)\n" + item.events.map { "  \($0)\n" }.joined()
        }.joined()
    }
}

extension ClaimResponse: Rendered {
    /// The work's id alone, for `id=$(railyard ci claim …)`; nothing when there is no work.
    var text: String { work.map { "\($0.id)\n" } ?? "" }
}

extension IndexResponse: Rendered {
    var text: String {
        var out = labels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value) records\n" }.joined()
        out += "main is at generation \(mainGeneration)\n"
        if !setAside.isEmpty {
            out += "set aside under .railyard/adopted/ (another indexer wrote them; stale now):\n"
            out += setAside.map { "  \($0)\n" }.joined()
        }
        return out
    }
}

extension VerifyResponse: Rendered {
    var text: String {
        (problems.isEmpty
            ? "ok: every listed file is present with its size and sha256; nothing unlisted\n"
            : problems.map { "\($0)\n" }.joined())
            + leftovers.map {
                "note: \($0): a temporary file of an interrupted write; the next stage or index removes it\n"
            }.joined()
    }

    var refusal: ExitCode? { ok ? nil : ExitStatus.refused }
}
