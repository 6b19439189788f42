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

            Examples:
              railyard train promote 2.6.0 --as alice
              railyard train promote 2.6.0 --yes --expect-main 7 --as alice
            """
    )

    @Argument(help: "The train.") var version: String
    @Flag(help: "Carry out the move (default: dry run).") var yes = false
    @Option(name: .customLong("expect-main"), help: "Refuse if main is no longer at this generation.")
    var expectMain: Int?
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        let json = store.output.json
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
                        JSONObject(
                            plan.gains.mapValues { records in
                                .array(
                                    records.map {
                                        .object(["file": .string($0.fileName), "sha256": .string($0.sha256)])
                                    })
                            })),
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
