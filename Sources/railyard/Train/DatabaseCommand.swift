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
