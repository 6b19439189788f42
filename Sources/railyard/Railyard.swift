import ArgumentParser
import Logging
import RailyardServer

/// The `railyard` command: release trains for a PyTorch conda distribution.
@main
struct Railyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "railyard",
        abstract: "Release trains for a PyTorch conda distribution.",
        discussion: """
            Exit codes: 0 done; 1 refused by a rule (a check did not hold: lint findings, a plan \
            that breaks the policy, --exit-status); 2 bad input (a version, spec, file or usage \
            that cannot be used; the message names it); ci wait: 3 the train was aborted, 4 the \
            time ran out.

            Examples:
              railyard demo                       # a live train on the embedded defaults
              railyard catalog check examples/pytorch/distro.yml
              railyard plan --catalog examples/pytorch/distro.yml --core-version 2.6.0
              printf '2.6.0\\n2.6.0rc1\\n2.5.1\\n' | railyard version sort
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, Serve.self, VersionCommand.self, CatalogCommand.self, PlanCommand.self,
            ImpactCommand.self,
            TrainCommandGroup.self,
            BumpCommand.self, StageCommand.self, ChannelCommand.self, CICommand.self, DatabaseCommand.self,
            TokenCommand.self, NotifyCommand.self, Sweep.self,
        ]
    )

    /// Runs the command, mapping usage errors to the documented exit 2 (bad input) rather than
    /// swift-argument-parser's 64. Every log line is a JSON object on standard error.
    static func main() async {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error).rawValue == ExitCode.validationFailure.rawValue {
                StandardError.write(fullMessage(for: error) + "\n")
                exit(withError: ExitStatus.badInput)
            }
            exit(withError: error)
        }
    }
}
