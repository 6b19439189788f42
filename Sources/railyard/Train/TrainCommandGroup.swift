import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train …`: one torch release, moving through its stages.
struct TrainCommandGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Create a release train and move it through its stages.",
        discussion: """
            Stages: planned, candidate, companions, downstream, staged, released, aborted. Exit \
            codes: 0 done; 1 refused by a rule (the message names the failed guard or gate); \
            2 bad input.

            Example:
              railyard train create 2.6.0 --catalog examples/pytorch/distro.yml --as alice
              railyard train status 2.6.0
            """,
        subcommands: [
            TrainCreate.self, TrainList.self, TrainStatus.self, TrainGates.self, TrainLog.self, TrainRC.self,
            TrainAdvance.self, TrainExclude.self, TrainWaive.self, TrainFinal.self, TrainAbort.self, TrainSweep.self,
        ]
    )
}

/// Decides and records `command`, then prints what it did.
func perform(
    _ command: TrainCommand,
    on version: String,
    store options: StoreOptions,
    actor: ActorOptions,
    by who: Actor? = nil,
    expectCurrentRevision: Bool = false
) throws {
    let outcome = try withStore(options) { store throws(StoreError) in
        var expected = actor.expectRevision
        if expectCurrentRevision && expected == nil { expected = try store.train(version).revision }
        return try store.execute(
            command,
            on: version,
            by: who ?? actor.person,
            at: Date(),
            expectRevision: expected,
            idempotencyKey: actor.idempotencyKey
        )
    }
    printOutcome(outcome, json: options.output.json)
}

func printOutcome(_ outcome: CommandOutcome, json: Bool) {
    var out = OutputBuffer()
    if json {
        out.appendLine(
            json: .object([
                "train": .string(outcome.train),
                "revision": .number(outcome.revision),
                "replayed": .bool(outcome.replayed),
                "events": .array(outcome.events.map { .string($0.summary) }),
            ])
        )
    } else {
        let note = outcome.replayed ? " (repeated idempotency key: nothing changed)" : ""
        out.append("train \(outcome.train) at revision \(outcome.revision)\(note)\n")
        for event in outcome.events { out.append("  \(event.summary)\n") }
    }
    out.flush()
}

extension TrainEvent {
    /// One line a person reads.
    var summary: String {
        switch self {
        case .created(let train):
            "created: \(train.kind.rawValue) train for \(train.core) \(train.version), \(train.members.count) members"
        case .rcRegistered(let number, let subdirs): "RC \(number) registered (\(subdirs.joined(separator: ", ")))"
        case .invalidated(let member, let state): "\(member): stale for the new RC, back to \(state.rawValue)"
        case .stageEntered(let stage, let fallback):
            fallback ? "fell back to \(stage.rawValue)" : "entered \(stage.rawValue)"
        case .requested(let member, let deadline): "\(member): requested, deadline \(iso(deadline))"
        case .acknowledged(let member, let eta): "\(member): acknowledged" + (eta.map { ", ETA \(iso($0))" } ?? "")
        case .declined(let member, let reason): "\(member): declined: \(reason)"
        case .built(let member, let version, let rc, _):
            "\(member): build \(version) registered" + (rc.map { " against RC \($0)" } ?? "")
        case .becameBump(let member, let why): "\(member): now needs a bump: \(why)"
        case .testStarted(let member): "\(member): testing"
        case .testAbandoned(let member): "\(member): test lease expired, back in the queue"
        case .tested(let member, let rc, let passed, _): "\(member): \(passed ? "passed" : "failed") against RC \(rc)"
        case .excluded(let member, let reason, let byPolicy):
            "\(member): excluded\(byPolicy ? " by policy" : ""): \(reason)"
        case .waived(let member, let reason): "\(member): failure waived: \(reason)"
        case .integrationPending(let rc): "all-together run set up for RC \(rc)"
        case .integrationReported(let rc, let passed, _):
            "all-together run \(passed ? "passed" : "failed") against RC \(rc)"
        case .markedFinal(let rc): "RC \(rc) marked final"
        case .released: "released"
        case .aborted(let reason): "aborted: \(reason)"
        }
    }
}

struct TrainCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create the train for a core release from the catalog's plan.",
        discussion: "Example:\n  railyard train create 2.6.0 --catalog examples/pytorch/distro.yml --as alice"
    )

    @Argument(help: "The core's new version (final, e.g. 2.6.0).") var version: String
    @Option(help: "The catalog file.") var catalog: String
    @Option(name: .customLong("companion"), help: "A companion's version, NAME=VERSION (repeatable).")
    var companions: [String] = []
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        let catalog = try loadCatalog(self.catalog, json: store.output.json)
        let json = store.output.json
        let coreVersion: Version
        do {
            coreVersion = try Version(version)
        } catch {
            throw refuse(code: "invalid-version", message: error.description, json: json)
        }
        let given = try parseCompanions(companions, json: json)
        let plan: Plan
        do {
            plan = try Planner.plan(catalog, coreVersion: coreVersion, companions: given)
        } catch {
            throw refuse(code: "plan-refused", message: error.description, json: json)
        }
        let now = Date()
        let train: Train
        do {
            train = try Train.create(plan: plan, catalog: catalog, by: actor.person, at: now)
        } catch {
            throw refuse(code: error.code, message: error.description, json: json, exit: ExitStatus.refused)
        }
        let outcome = try withStore(store) { store throws(StoreError) in
            try store.create(train, by: actor.person, at: now, idempotencyKey: actor.idempotencyKey)
        }
        printOutcome(outcome, json: json)
    }
}

struct TrainList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the trains, newest first.",
        discussion: "Example:\n  railyard train list --json"
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let trains = try withStore(store) { store throws(StoreError) in try store.trains() }
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(
                json: .array(
                    trains.map {
                        .object([
                            "train": .string($0.version),
                            "stage": .string($0.stage.rawValue),
                            "revision": .number($0.revision),
                            "rc": $0.rc.map { .number($0) } ?? .null,
                            "updated_at": .string(iso($0.updatedAt)),
                        ])
                    }
                )
            )
        } else {
            let rows = trains.map {
                [
                    $0.version, $0.stage.rawValue, String($0.revision), $0.rc.map { "RC \($0)" } ?? "-",
                    iso($0.updatedAt),
                ]
            }
            out.append(Table(header: ["train", "stage", "revision", "rc", "updated"], rows: rows).text)
        }
        out.flush()
    }
}

struct TrainRC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rc",
        abstract: "Register release candidate N of the core; builds and results of the previous one go stale.",
        discussion: """
            --subdir names the subdirs the RC has artifacts for (repeatable; default: every \
            required subdir of the catalog).

            Example:
              railyard train rc 2.6.0 --number 1 --as alice
            """
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "The RC number, above the current one.") var number: Int
    @Option(name: .customLong("subdir"), help: "A subdir with RC artifacts (repeatable).") var subdirs: [String] = []
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        var subdirs = self.subdirs
        if subdirs.isEmpty {
            subdirs = try withStore(store) { store throws(StoreError) in try store.train(version).requiredSubdirs }
        }
        try perform(.registerRC(number: number, subdirs: subdirs), on: version, store: store, actor: actor)
    }
}

struct TrainAdvance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advance",
        abstract: "Move the train one stage forward, when the gate holds; refused with the failing checks otherwise.",
        discussion: """
            The command is refused if the train changed between reading and writing it (exactly \
            one of two racing advances wins).

            Example:
              railyard train advance 2.6.0 --as alice
            """
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        try perform(.advance, on: version, store: store, actor: actor, expectCurrentRevision: true)
    }
}

struct TrainExclude: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exclude",
        abstract: "Take a member out of the train, with a reason.",
        discussion:
            "Example:\n  railyard train exclude 2.6.0 kornia --reason 'declined; 0.7.3 stays on main' --as alice"
    )

    @Argument(help: "The train.") var version: String
    @Argument(help: "The member.") var package: String
    @Option(help: "Why.") var reason: String
    @Flag(help: "Also exclude every member that depends on it.") var cascade = false
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        try perform(
            .exclude(member: package, reason: reason, cascade: cascade), on: version, store: store, actor: actor)
    }
}

struct TrainWaive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waive",
        abstract: "Count a member's failed test as passed, shown as waived, with a reason.",
        discussion: "Example:\n  railyard train waive 2.6.0 pytorch_scatter --reason 'flaky CUDA test' --as alice"
    )

    @Argument(help: "The train.") var version: String
    @Argument(help: "The member.") var package: String
    @Option(help: "Why.") var reason: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        try perform(.waive(member: package, reason: reason), on: version, store: store, actor: actor)
    }
}

struct TrainFinal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "final",
        abstract: "Mark the current RC final (part of the gate to release a staged train).",
        discussion: "Example:\n  railyard train final 2.6.0 --rc 2 --as alice"
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "The RC, which must be the current one.") var rc: Int
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        try perform(.markFinal(rc: rc), on: version, store: store, actor: actor)
    }
}

struct TrainAbort: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abandon the train; its staging label stays for inspection.",
        discussion: "Example:\n  railyard train abort 2.6.0 --reason 'torch 2.6 withdrawn' --as alice"
    )

    @Argument(help: "The train.") var version: String
    @Option(help: "Why.") var reason: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        try perform(.abort(reason: reason), on: version, store: store, actor: actor)
    }
}

struct TrainSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract:
            "Apply the deadline policy: with on_deadline: exclude, exclude requests unanswered past their deadline.",
        discussion: "Run it periodically (the server will). Example:\n  railyard train sweep 2.6.0"
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        try perform(.sweepDeadlines, on: version, store: store, actor: actor, by: .policy)
    }
}
