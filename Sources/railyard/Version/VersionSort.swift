import ArgumentParser
import RailyardCore

/// `railyard version sort`: versions on standard input, sorted in conda order on standard output.
struct VersionSort: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sort",
        abstract: "Sort versions (one per line on standard input) in ascending conda order.",
        discussion: """
            Equal versions (1.1 and 1.1.0) keep their input order. An invalid version prints \
            nothing on standard output, names its line on standard error and exits 2.

            Example:
              printf '2.6.0\\n2.6.0rc1\\n2.5.1\\n' | railyard version sort
            """
    )

    @Flag(name: .long, help: "Sort in descending order (equal versions still keep their input order).")
    var reverse = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        let lines = LineReader.readAll()
        var versions: [Version] = []
        versions.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            do {
                versions.append(try Version(line))
            } catch {
                throw refuse(
                    code: "invalid-version",
                    message: "line \(index + 1): \(error)",
                    json: output.json,
                    details: ["line": .number(index + 1)]
                )
            }
        }
        let descending = reverse
        // Sorting positions (ties broken by position) keeps equal versions in input order, and
        // reading the versions through a buffer pointer compares them without copying them.
        var order = Array(versions.indices)
        versions.withUnsafeBufferPointer { buffer in
            order.sort { left, right in
                let comparison = buffer[left].compare(to: buffer[right])
                if comparison == 0 { return left < right }
                return descending ? comparison > 0 : comparison < 0
            }
        }
        var out = OutputBuffer()
        if output.json {
            out.appendLine(json: .object(["versions": .array(order.map { .string(versions[$0].description) })]))
        } else {
            for index in order {
                out.append(versions[index].description)
                out.append("\n")
            }
        }
        out.flush()
    }
}
