import ArgumentParser

/// `railyard catalog …`: the distribution's package list, as reviewed in git.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Validate, lint and show the distribution's catalog file.",
        discussion: """
            Example:
              railyard catalog check examples/pytorch/distro.yml
            """,
        subcommands: [CatalogCheck.self, CatalogLintCommand.self, CatalogShow.self, CatalogSyncCommand.self]
    )
}
