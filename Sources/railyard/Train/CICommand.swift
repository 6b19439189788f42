import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard ci claim|report`: CI pipelines take work from a train and report results.
struct CICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Claim CI work from a train under a lease, and report its result.",
        discussion: """
            Example:
              id=$(railyard ci claim --train 2.6.0 --as runner-7 --json | jq -r .id)
              railyard ci report "$id" --result passed --log https://ci.example.org/123 --as runner-7
            """,
        subcommands: [CIClaim.self, CIHeartbeat.self, CIReport.self, CIWait.self]
    )
}
