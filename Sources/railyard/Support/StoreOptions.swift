import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// Where Railyard keeps its state: the options every train command shares. Both can also come
/// from the environment (`RAILYARD_DB`, `RAILYARD_CHANNEL`), so that a script sets them once.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database (env RAILYARD_DB).")
    var db: String = ProcessInfo.processInfo.environment["RAILYARD_DB"] ?? "./.railyard/railyard.sqlite"

    @Option(name: .long, help: "The local conda channel folder (env RAILYARD_CHANNEL).")
    var channel: String = ProcessInfo.processInfo.environment["RAILYARD_CHANNEL"] ?? "./.railyard/channel"

    @Option(
        name: .long,
        help: "Send commands to this server instead of the local database (env RAILYARD_SERVER).")
    var server: String? = ProcessInfo.processInfo.environment["RAILYARD_SERVER"]

    @Option(name: .long, help: "The API token for --server (env RAILYARD_TOKEN).")
    var token: String? = ProcessInfo.processInfo.environment["RAILYARD_TOKEN"]

    @Flag(
        name: .customLong("init"),
        help: "Create the database when --db names no file (without it, a missing database is an error).")
    var initDatabase = false

    @OptionGroup var output: OutputOptions

    /// Opens the store, or exits 2 with the reason. A command with no remote form is refused
    /// with `--server` rather than quietly working on a local database.
    func open() throws -> Store {
        if let server {
            throw refuse(
                code: "local-only",
                message:
                    "this command works on a local database (--db) only, not through --server \(server): run it on the server's machine without --server (unset RAILYARD_SERVER)",
                json: output.json)
        }
        do {
            return try Store(path: db, creating: initDatabase)
        } catch {
            throw refuseStore(error, json: output.json)
        }
    }
}

/// The person acting, and the command's concurrency and retry guards.
struct ActorOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "Who acts (a release manager, a maintainer, or a CI runner's name).")
    var actor: String = Self.defaultName

    /// Who acts when `--as` is not given: RAILYARD_USER, else the login name.
    static var defaultName: String {
        ProcessInfo.processInfo.environment["RAILYARD_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }

    static var defaultPerson: Actor { .person(defaultName) }

    @Option(
        name: .customLong("expect-revision"), help: "Refuse the command if the train is no longer at this revision.")
    var expectRevision: Int?

    @Option(
        name: .customLong("idempotency-key"), help: "Repeating a command with the same key returns the first result.")
    var idempotencyKey: String?

    var person: Actor { .person(actor) }
}

/// Reports a store refusal the documented way: 1 when a rule refused it, 2 otherwise.
func refuseStore(_ error: StoreError, json: Bool) -> ExitCode {
    let refusedByRule: Bool
    switch error {
    case .rejected, .staleRevision, .trainExists, .idempotencyConflict, .tokenExists:
        refusedByRule = true
    default: refusedByRule = false
    }
    var details: [String: JSONValue] = [:]
    if case .rejected(.gateNotMet(_, let failing)) = error {
        details["failing"] = .array(failing.map { .object(["name": .string($0.name), "detail": .string($0.detail)]) })
    }
    if json {
        var out = OutputBuffer()
        var object: [String: JSONValue] = ["code": .string(error.code), "message": .string(error.description)]
        if !details.isEmpty { object["details"] = .object(details) }
        out.appendLine(json: .object(["error": .object(object)]))
        out.flush()
    }
    StandardError.write("railyard: \(error.description)\n")
    return refusedByRule ? ExitStatus.refused : ExitStatus.badInput
}

/// Runs `body` against the store, turning store errors into the documented refusals.
func withStore<T>(_ options: StoreOptions, _ body: (Store) throws(StoreError) -> T) throws -> T {
    let store = try options.open()
    do {
        return try body(store)
    } catch {
        throw refuseStore(error, json: options.output.json)
    }
}
