import ArgumentParser
import RailyardCore
import RailyardStore

/// `railyard db verify`: every train rebuilt from its log and compared.
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
