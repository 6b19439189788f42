import ArgumentParser
import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard train promote`: the dry run, or the all-at-once move of the train to main.
struct TrainPromote: AsyncParsableCommand {
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

    func run() async throws {
        let json = store.output.json
        switch backend {
        case "local":
            if resume {
                throw refuse(
                    code: "invalid-argument",
                    message: "--resume is for --backend anaconda; a local promotion finishes or rolls back by itself",
                    json: json)
            }
        case "anaconda":
            if store.server != nil {
                throw refuse(
                    code: "invalid-argument",
                    message: "--backend anaconda runs anaconda-client on this machine: leave out --server",
                    json: json)
            }
            try runAnaconda(json: json)
            return
        default:
            throw refuse(code: "invalid-argument", message: "--backend \(backend): local or anaconda", json: json)
        }
        try await store.answer { service async throws(ServiceError) in
            try await service.promote(
                version, move: yes, expectMain: expectMain, by: actor.person, guards: actor.guards)
        }
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
            let answer = PromotionResponse(plan, generation: generation, revision: nil)
            var out = OutputBuffer()
            out.append(json ? String(decoding: Wire.encode(answer), as: UTF8.self) + "\n" : answer.text)
            out.flush()
            if let refusal = answer.refusal { throw refusal }
            return
        }
        let result = try withTrainChannel(store) { trains in
            do {
                return try trains.promote(
                    train: version, to: AnacondaBackend(executable: program, owner: owner, channel: trains.channel),
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
                    "schema": .number(Wire.schema), "train": .string(version), "backend": .string("anaconda"),
                    "owner": .string(owner),
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
}
