import ArgumentParser
import RailyardCore

/// `railyard version compare A B`: prints `<`, `=` or `>`.
struct VersionCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two versions in conda order; prints <, = or >.",
        discussion: """
            Example:
              railyard version compare 2.6.0rc1 2.6   # prints <
            """
    )

    @Argument(help: "The left-hand version.") var left: String
    @Argument(help: "The right-hand version.") var right: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        var parsed: [Version] = []
        for text in [left, right] {
            do {
                parsed.append(try Version(text))
            } catch {
                throw refuse(code: "invalid-version", message: error.description, json: output.json)
            }
        }
        let comparison = parsed[0].compare(to: parsed[1])
        let symbol = comparison < 0 ? "<" : (comparison == 0 ? "=" : ">")
        var out = OutputBuffer()
        if output.json {
            let object: JSONValue = .object([
                "left": .string(parsed[0].description),
                "right": .string(parsed[1].description),
                "order": .string(symbol),
            ])
            out.appendLine(json: object)
        } else {
            out.append(symbol + "\n")
        }
        out.flush()
    }
}
