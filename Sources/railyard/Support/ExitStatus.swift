import ArgumentParser

/// The documented exit codes of every `railyard` command.
enum ExitStatus {
    /// The input was refused: a version, spec or file that does not parse. The message names it.
    static let invalidInput = ExitCode(1)
    /// A check that the caller asked for (`--exit-status`) did not hold.
    static let checkFailed = ExitCode(2)
}

/// Reports a refusal the documented way and returns the exit code to throw:
/// one line on standard error, and with `--json` an error object on standard output.
func refuse(code: String, message: String, json: Bool, details: JSONObject = [:]) -> ExitCode {
    if json {
        var error: JSONObject = ["code": .string(code), "message": .string(message)]
        if !details.isEmpty { error["details"] = .object(details) }
        var output = OutputBuffer()
        output.append(JSONValue.object(["error": .object(error)]).encoded)
        output.append("\n")
        output.flush()
    }
    StandardError.write("railyard: \(message)\n")
    return ExitStatus.invalidInput
}
