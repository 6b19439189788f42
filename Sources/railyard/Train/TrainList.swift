import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train list`: the trains, newest first.
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
