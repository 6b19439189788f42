import ArgumentParser
import RailyardCore

/// The documented exit codes of every `railyard` command: 0 done, 1 refused by a rule (a check
/// did not hold), 2 bad input (a version, spec, file or usage that cannot be read; the message
/// names it).
enum ExitStatus {
    /// A rule said no: lint findings, a plan that breaks the policy, `--exit-status` and a
    /// version that does not match.
    static let refused = ExitCode(1)
    /// The input cannot be used: a version, spec or file that does not parse, a bad argument.
    static let badInput = ExitCode(2)
    /// `ci wait`: the train was aborted before the stage.
    static let aborted = ExitCode(3)
    /// `ci wait`: the time ran out before the stage.
    static let timedOut = ExitCode(4)
}

/// Reports a refusal the documented way and returns the exit code to throw:
/// one line on standard error, and with `--json` an error object on standard output.
func refuse(
    code: String,
    message: String,
    json: Bool,
    details: [String: JSONValue] = [:],
    exit: ExitCode = ExitStatus.badInput
) -> ExitCode {
    if json {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if !details.isEmpty { error["details"] = .object(details) }
        var output = OutputBuffer()
        output.appendLine(json: .object(["error": .object(error)]))
        output.flush()
    }
    StandardError.write("railyard: \(message)\n")
    return exit
}
