import ArgumentParser
import RailyardCore
import RailyardStore

/// `railyard db backup`: an online, consistent copy of the database.
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
