import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard db init`: the one command that makes a new, empty database (as `--init` does on any
/// other command); a database already there is only migrated to this binary's schema.
struct DatabaseInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the database at --db (or RAILYARD_DB) if there is none; an existing one is kept.",
        discussion: """
            Every other command refuses a missing database unless it is given --init, so that a \\
            mistyped --db, or a database removed under a running server, is never replaced by an \\
            empty one in silence.

            Example:
              railyard db init --db /srv/railyard/railyard.sqlite
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let existed = FileManager.default.fileExists(atPath: store.db)
        do {
            _ = try Store(path: store.db, creating: true)
        } catch {
            throw refuseStore(error, json: store.output.json)
        }
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(json: .object(["database": .string(store.db), "created": .bool(!existed)]))
        } else {
            out.append(existed ? "\(store.db) is already there; kept\n" : "created \(store.db)\n")
        }
        out.flush()
    }
}
