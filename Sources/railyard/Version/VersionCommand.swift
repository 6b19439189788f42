import ArgumentParser

/// `railyard version …`: conda version ordering and spec matching, for scripts and CI.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Compare, sort and match conda versions exactly as conda does.",
        discussion: """
            Example:
              railyard version match '>=2.3,<2.6' 2.5.1 2.6.0rc1 2.6.0
            """,
        subcommands: [VersionSort.self, VersionCompare.self, VersionMatch.self]
    )
}
