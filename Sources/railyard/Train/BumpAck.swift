import ArgumentParser
import Foundation
import RailyardCore

/// `railyard bump ack`: a maintainer acknowledges a request.
struct BumpAck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge the request, optionally with an ETA (YYYY-MM-DD).",
        discussion: "Example:\n  railyard bump ack kornia --train 2.6.0 --as kornia-team --eta 2026-12-01"
    )

    @Argument(help: "The package.") var package: String
    @Option(help: "The train.") var train: String
    @Option(help: "When the new build is expected (YYYY-MM-DD).") var eta: String?
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        var date: Date? = nil
        if let eta {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate]
            guard let parsed = formatter.date(from: eta) else {
                throw refuse(
                    code: "invalid-argument", message: "--eta \(eta): write a date as YYYY-MM-DD",
                    json: store.output.json)
            }
            date = parsed
        }
        try await perform(.acknowledge(member: package, eta: date), on: train, store: store, actor: actor)
    }
}
