import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train log`: the events, oldest first.
struct TrainLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the train's events, oldest first, with who did what and when.",
        discussion: "Example:\n  railyard train log 2.6.0"
    )

    @Argument(help: "The train.") var version: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        let events = try withStore(store) { store throws(StoreError) in try store.events(version) }
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(
                json: .array(
                    events.map {
                        .object([
                            "revision": .number($0.revision),
                            "at": .string(iso($0.at)),
                            "actor": .string($0.actor),
                            "command": .string($0.command),
                            "event": .string($0.event.summary),
                        ])
                    }
                )
            )
        } else {
            for event in events {
                out.append(
                    "\(iso(event.at))  r\(event.revision)  \(event.actor)  \(event.command): \(event.event.summary)\n")
            }
        }
        out.flush()
    }
}
