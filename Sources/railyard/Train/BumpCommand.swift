import ArgumentParser
import Foundation
import RailyardCore

/// `railyard bump ack|decline`: a maintainer answers a bump or rebuild request.
struct BumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bump",
        abstract: "Answer a bump or rebuild request for a package in a train.",
        discussion: "Example:\n  railyard bump ack kornia --train 2.6.0 --as kornia-team --eta 2026-12-01",
        subcommands: [BumpAck.self, BumpDecline.self]
    )
}
