import ArgumentParser
import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// `railyard channel revoke`: takes files off main after a release, to the `broken` label.
struct ChannelRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Take files off main after a release (a bad build, a truncated file), to the broken label.",
        discussion: """
            Without --yes nothing changes: the files main would lose, and how the installs of \
            the last release fare without them (its solves, asked of the same solver as the \
            promotion: which no longer install, which pick other builds). With --yes main loses \
            the files in one change of its generation, like a promotion, recorded in the \
            channel's log (railyard channel log) with who and why; each file then moves to the \
            broken label and is never deleted.

            A revocation that leaves an install of the last release unsolvable is refused, and \
            so is one the solver could not judge when the catalog says fail-closed; --force \
            revokes anyway and records that it did.

            Exit codes: 0 revoked (or a dry run that may go); 1 refused (it breaks an install, \
            or main moved since --expect-main); 2 bad input (a file main does not list, no \
            --reason).

            Examples:
              railyard channel revoke linux-64/torchvision-0.16.0-py311_cu121.tar.bz2 --reason "truncated upload"
              railyard channel revoke linux-64/torchvision-0.16.0-py311_cu121.tar.bz2 --reason "truncated upload" \\
                --yes --expect-main 8 --as alice
            """
    )

    @Argument(help: "The files, as SUBDIR/FILE (or FILE when one subdir of main lists it).") var files: [String] = []
    @Option(help: "Why: it goes into the channel's log.") var reason: String = ""
    @Flag(help: "Carry out the revocation (default: dry run).") var yes = false
    @Flag(help: "Revoke even when it breaks an install of the last release.") var force = false
    @Option(name: .customLong("expect-main"), help: "Refuse if main is no longer at this generation.")
    var expectMain: Int?
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await store.answer { service async throws(ServiceError) in
            try await service.revoke(
                files, reason: reason, move: yes, force: force, expectMain: expectMain, by: actor.person,
                guards: actor.guards)
        }
    }
}

/// `railyard channel log`: the changes of main that are no train's.
struct ChannelLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the changes of main that are no train's (revocations): who, when, why and what.",
        discussion: """
            A train's own changes are in its log (railyard train log VERSION).

            Example:
              railyard channel log --json
            """
    )

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.answer { service async throws(ServiceError) in try await service.channelLog() }
    }
}
