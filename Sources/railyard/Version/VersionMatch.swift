import ArgumentParser
import RailyardCore

/// `railyard version match`: does a version satisfy a version spec?
struct VersionMatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Match versions against a conda version spec; prints true or false per version.",
        discussion: """
            With --batch, reads SPEC<TAB>VERSION lines on standard input and writes one line per \
            input line: true, false, or "error: <message>" (and goes on); it exits 2 if any line \
            was an error. Without --batch an invalid spec or version exits 2 with nothing on \
            standard output. With --exit-status, exits 1 when any version does not match.

            Examples:
              railyard version match '>=2.3,<2.6' 2.5.1 2.6.0rc1 2.6.0
              printf 'pytorch >=2.3,<2.6\\t2.6.0\\n' | cut -d' ' -f2- | railyard version match --batch
            """
    )

    @Flag(name: .long, help: "Read SPEC<TAB>VERSION lines from standard input.")
    var batch = false

    @Flag(name: .customLong("exit-status"), help: "Exit 1 when any version does not match.")
    var exitStatus = false

    @OptionGroup var output: OutputOptions

    @Argument(help: "The version spec, then the versions to match against it.")
    var arguments: [String] = []

    func validate() throws {
        if batch && !arguments.isEmpty {
            throw ValidationError("--batch reads its specs and versions from standard input; give no arguments.")
        }
        if !batch && arguments.count < 2 {
            throw ValidationError("Give a version spec and at least one version, or use --batch.")
        }
    }

    func run() throws {
        if batch {
            try runBatch()
            return
        }
        let spec: VersionSpec
        do {
            spec = try VersionSpec(arguments[0])
        } catch {
            throw refuse(code: "invalid-spec", message: error.description, json: output.json)
        }
        var results: [(Version, Bool)] = []
        for text in arguments.dropFirst() {
            do {
                let version = try Version(text)
                results.append((version, spec.matches(version)))
            } catch {
                throw refuse(code: "invalid-version", message: error.description, json: output.json)
            }
        }
        var out = OutputBuffer()
        if output.json {
            let object: JSONValue = .object([
                "spec": .string(spec.description),
                "results": .array(
                    results.map { .object(["version": .string($0.0.description), "matches": .bool($0.1)]) }
                ),
            ])
            out.appendLine(json: object)
        } else {
            for (_, matches) in results { out.append(matches ? "true\n" : "false\n") }
        }
        out.flush()
        if exitStatus && results.contains(where: { !$0.1 }) { throw ExitStatus.refused }
    }

    private func runBatch() throws {
        var matcher = BatchMatcher()
        var reader = LineReader()
        var out = OutputBuffer()
        var lineNumber = 0
        var anyError = false
        var anyMismatch = false
        let json = output.json
        while reader.readLines({ line in
            lineNumber += 1
            switch matcher.evaluate(line) {
            case .success(let matches):
                if !matches { anyMismatch = true }
                if json {
                    out.append("{\"line\":\(lineNumber),\"matches\":\(matches)}\n")
                } else {
                    out.append(matches ? "true\n" : "false\n")
                }
            case .failure(let failure):
                anyError = true
                if json {
                    let object: JSONValue = .object([
                        "line": .number(lineNumber),
                        "error": .object(["code": .string(failure.code), "message": .string(failure.message)]),
                    ])
                    out.appendLine(json: object)
                } else {
                    out.append("error: \(failure.message)\n")
                }
            }
        }) {
            out.flush()
        }
        out.flush()
        if anyError { throw ExitStatus.badInput }
        if exitStatus && anyMismatch { throw ExitStatus.refused }
    }
}

/// Evaluates `SPEC<TAB>VERSION` lines, remembering parsed specs and versions: a CI job checks
/// thousands of pins against a handful of versions. Parsed values live in arrays and the
/// dictionaries hold their positions, so a cache hit copies nothing.
struct BatchMatcher {
    struct Failure: Error {
        var code: String
        var message: String
    }

    private var specIndex: [String: Int] = [:]
    private var specs: [Result<VersionSpec, VersionSpecError>] = []
    private var versionIndex: [String: Int] = [:]
    private var versions: [Result<Version, VersionError>] = []
    private static let cacheLimit = 1 << 17

    mutating func evaluate(_ line: ArraySlice<UInt8>) -> Result<Bool, Failure> {
        guard let tab = line.firstIndex(of: UInt8(ascii: "\t")) else {
            return .failure(Failure(code: "malformed-line", message: "expected SPEC<TAB>VERSION"))
        }
        let spec = specPosition(String(decoding: line[..<tab], as: UTF8.self))
        let version = versionPosition(String(decoding: line[(tab + 1)...], as: UTF8.self))
        return specs.withUnsafeBufferPointer { specs in
            versions.withUnsafeBufferPointer { versions in
                switch specs[spec] {
                case .failure(let error):
                    return .failure(Failure(code: "invalid-spec", message: error.description))
                case .success(let parsedSpec):
                    switch versions[version] {
                    case .failure(let error):
                        return .failure(Failure(code: "invalid-version", message: error.description))
                    case .success(let parsedVersion):
                        return .success(parsedSpec.matches(parsedVersion))
                    }
                }
            }
        }
    }

    private mutating func specPosition(_ text: String) -> Int {
        Self.position(of: text, in: &specs, index: &specIndex) { () throws(VersionSpecError) in try VersionSpec(text) }
    }

    private mutating func versionPosition(_ text: String) -> Int {
        Self.position(of: text, in: &versions, index: &versionIndex) { () throws(VersionError) in try Version(text) }
    }

    /// The position of `text`'s parse in `values`, parsing it on first sight; both caches start
    /// afresh once they hold `cacheLimit` entries, so memory stays bounded.
    private static func position<Value, Failure: Error>(
        of text: String,
        in values: inout [Result<Value, Failure>],
        index: inout [String: Int],
        parse: () throws(Failure) -> Value
    ) -> Int {
        if let known = index[text] { return known }
        if values.count >= cacheLimit {
            values.removeAll(keepingCapacity: true)
            index.removeAll(keepingCapacity: true)
        }
        values.append(Result(catching: parse))
        index[text] = values.count - 1
        return values.count - 1
    }
}
