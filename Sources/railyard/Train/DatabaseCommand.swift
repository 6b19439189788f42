import ArgumentParser
import RailyardStore

/// `railyard db init|verify|backup`: the database's creation, health and copies.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Create the database, verify it against its event log, or back it up while others write.",
        discussion: "Example:\n  railyard db verify && railyard db backup /backups/railyard-$(date +%F).sqlite",
        subcommands: [DatabaseInit.self, DatabaseVerify.self, DatabaseBackup.self]
    )
}
