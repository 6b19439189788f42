import ArgumentParser
import RailyardStore

/// `railyard db verify|backup`: the database's health and copies.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Verify the database against its event log, or back it up while others write.",
        discussion: "Example:\n  railyard db verify && railyard db backup /backups/railyard-$(date +%F).sqlite",
        subcommands: [DatabaseVerify.self, DatabaseBackup.self]
    )
}

struct DatabaseVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Integrity check, then rebuild every train from its event log and compare; exits 1 on any difference.",
        discussion: "Example:\n  railyard db verify --db ./.railyard/railyard.sqlite"
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let problems = try withStore(store) { store throws(StoreError) in try store.verify() }
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(
                json: .object(["ok": .bool(problems.isEmpty), "problems": .array(problems.map { .string($0) })]))
        } else {
            out.append(
                problems.isEmpty ? "ok: every train matches its event log\n" : problems.map { $0 + "\n" }.joined())
        }
        out.flush()
        if !problems.isEmpty { throw ExitStatus.refused }
    }
}

struct DatabaseBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write an online, consistent copy of the database to a new file.",
        discussion: "Example:\n  railyard db backup /backups/railyard.sqlite"
    )

    @Argument(help: "The new file.") var path: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        try withStore(store) { store throws(StoreError) in try store.backup(to: path) }
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(json: .object(["backup": .string(path)]))
        } else {
            out.append("backed up to \(path)\n")
        }
        out.flush()
    }
}
