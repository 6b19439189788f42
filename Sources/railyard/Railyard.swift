import ArgumentParser

/// The `railyard` command: release trains for a PyTorch conda distribution.
@main
struct Railyard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "railyard",
        abstract: "Release trains for a PyTorch conda distribution.",
        discussion: """
            Exit codes: 0 success; 1 invalid input (a version, spec or file that is refused; \
            the message names it); 2 a check that was asked for did not hold; 64 bad usage.

            Examples:
              railyard catalog check examples/pytorch/distro.yml
              railyard plan --catalog examples/pytorch/distro.yml --core-version 2.6.0
              printf '2.6.0\\n2.6.0rc1\\n2.5.1\\n' | railyard version sort
            """,
        version: "0.1.0",
        subcommands: [VersionCommand.self, CatalogCommand.self, PlanCommand.self, ImpactCommand.self]
    )
}
