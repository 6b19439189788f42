import ArgumentParser
import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard train promote`: the dry run, or the all-at-once move of the train to main.
struct TrainPromote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Show what main would gain and every check (dry run), or with --yes move the train to main at once.",
        discussion: """
            Without --yes nothing changes: per subdir, every file main gains with its sha256, \
            and each check with its verdict (the train's gate; every registered build on the \
            staging label; variant completeness; installability of the future main; the new \
            builds admit each other). With --yes the move happens only when all hold and main \
            is still at --expect-main (when given; the dry run prints it); main then switches in \
            one step and the train is recorded released. A crash at any instant leaves the old \
            or the new main; the next railyard command finishes or rolls back.

            Exit codes: 0 moved (or a dry run whose checks all hold); 1 a check does not hold; \
            2 bad input.

            --backend anaconda --owner OWNER drives anaconda-client instead (anaconda upload \
            --label, anaconda copy --from-label --to-label main), where nothing is atomic: the \
            move is a journaled sequence, core first, then the members in plan order; a crash or \
            a failed call stops it with every finished step recorded, and --resume goes on from \
            the first step not done.

            Examples:
              railyard train promote 2.6.0 --as alice
              railyard train promote 2.6.0 --yes --expect-main 7 --as alice
              railyard train promote 2.6.0 --yes --backend anaconda --owner pytorch --as alice
            """
    )

    @Argument(help: "The train.") var version: String
    @Flag(help: "Carry out the move (default: dry run).") var yes = false
    @Option(name: .customLong("expect-main"), help: "Refuse if main is no longer at this generation.")
    var expectMain: Int?
    @Option(help: "local (the channel folder) or anaconda (anaconda.org through anaconda-client).")
    var backend: String = "local"
    @Option(help: "The anaconda.org owner (user or organization) for --backend anaconda.") var owner: String?
    @Flag(help: "Continue an anaconda.org promotion that a crash or a failed call interrupted.") var resume = false
    @Option(help: "The anaconda-client program (env RAILYARD_ANACONDA; default: anaconda on PATH).")
    var anaconda: String = ProcessInfo.processInfo.environment["RAILYARD_ANACONDA"] ?? "anaconda"
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        let json = store.output.json
        if let remote = store.remote, backend == "local" {
            var body: [String: Any] = ["yes": yes]
            if let expectMain { body["expect_main"] = expectMain }
            let object = try remote.command("POST", "/trains/\(version)/promote", body: body)
            var out = OutputBuffer()
            out.append(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
                    + "\n")
            out.flush()
            if (object as? [String: Any])?["ok"] as? Bool == false { throw ExitStatus.refused }
            return
        }
        switch backend {
        case "local":
            if resume {
                throw refuse(
                    code: "invalid-argument",
                    message: "--resume is for --backend anaconda; a local promotion finishes or rolls back by itself",
                    json: json)
            }
        case "anaconda":
            try runAnaconda(json: json)
            return
        default:
            throw refuse(code: "invalid-argument", message: "--backend \(backend): local or anaconda", json: json)
        }
        if !yes {
            let (plan, generation) = try withTrainChannel(store) { trains in try trains.plan(train: version) }
            report(plan, generation: generation, moved: nil, json: json)
            if !plan.ok { throw ExitStatus.refused }
            return
        }
        let result = try withTrainChannel(store) { trains in
            try trains.promote(
                train: version, by: actor.person, at: Date(), expectGeneration: expectMain,
                progress: terminalProgress("linking main"))
        }
        report(result.plan, generation: result.generation, moved: result.outcome, json: json)
    }

    private func runAnaconda(json: Bool) throws {
        guard let owner, !owner.isEmpty else {
            throw refuse(code: "invalid-argument", message: "--backend anaconda needs --owner OWNER", json: json)
        }
        guard let program = Self.resolve(anaconda) else {
            throw refuse(
                code: "anaconda-missing",
                message: "cannot find anaconda-client ('\(anaconda)'): install it or pass --anaconda PATH",
                json: json)
        }
        if !yes && !resume {
            let (plan, generation) = try withTrainChannel(store) { trains in try trains.plan(train: version) }
            report(plan, generation: generation, moved: nil, json: json)
            if !plan.ok { throw ExitStatus.refused }
            return
        }
        let result = try withTrainChannel(store) { trains in
            do {
                return try trains.promoteToAnaconda(
                    train: version,
                    backend: AnacondaBackend(executable: program, owner: owner, channel: trains.channel),
                    resume: resume, by: actor.person, at: Date(), progress: terminalProgress("anaconda.org"))
            } catch let error as AnacondaError {
                throw refuse(
                    code: error.code, message: error.description, json: json,
                    exit: { if case .cannotRun = error { ExitStatus.badInput } else { ExitStatus.refused } }())
            }
        }
        var out = OutputBuffer()
        if json {
            out.appendLine(
                json: .object([
                    "train": .string(version), "backend": .string("anaconda"), "owner": .string(owner),
                    "files": .number(result.plan.gainCount),
                    "revision": result.outcome.map { .number($0.revision) } ?? .null,
                ]))
        } else {
            out.append(
                "train \(version): \(result.plan.gainCount) files on \(owner)'s main at anaconda.org; released"
                    + (result.outcome.map { " at revision \($0.revision)" } ?? " (already recorded)") + "\n")
        }
        out.flush()
    }

    /// An executable path, looked up on PATH when it has no slash.
    static func resolve(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private func report(_ plan: PromotionPlan, generation: Int, moved: CommandOutcome?, json: Bool) {
        var out = OutputBuffer()
        if json {
            out.appendLine(
                json: .object([
                    "train": .string(plan.train),
                    "dry_run": .bool(moved == nil),
                    "ok": .bool(plan.ok),
                    "main_generation": .number(generation),
                    "gains": .object(
                        plan.gains.mapValues { records in
                            .array(
                                records.map {
                                    .object(["file": .string($0.fileName), "sha256": .string($0.sha256)])
                                })
                        }),
                    "checks": .array(
                        plan.checks.map {
                            .object(["name": .string($0.name), "ok": .bool($0.ok), "detail": .string($0.detail)])
                        }),
                    "revision": moved.map { .number($0.revision) } ?? .null,
                ]))
        } else {
            let verb = moved == nil ? "would gain" : "gained"
            out.append("train \(plan.train): main \(verb) \(plan.gainCount) files\n")
            for (subdir, records) in plan.gains.sorted(by: { $0.key < $1.key }) {
                out.append("  \(subdir):\n")
                for record in records { out.append("    + \(record.fileName)  sha256:\(record.sha256)\n") }
            }
            out.append("checks:\n")
            for check in plan.checks {
                out.append("  [\(check.ok ? "ok" : "not ok")] \(check.name): \(check.detail)\n")
            }
            if let moved {
                out.append(
                    "main is now generation \(generation); train \(plan.train) released at revision \(moved.revision)\n"
                )
            } else if plan.ok {
                out.append(
                    "main is at generation \(generation); to move: railyard train promote \(plan.train) --yes --expect-main \(generation)\n"
                )
            } else {
                out.append("not promotable yet: the checks above that are not ok must hold first\n")
            }
        }
        out.flush()
    }
}
