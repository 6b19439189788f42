import ArgumentParser
import RailyardCore

/// `railyard version match`: does a version satisfy a version spec?
struct VersionMatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Match versions against a conda version spec; prints true or false per version.",
        discussion: """
            With --batch, reads SPEC<TAB>VERSION lines on standard input and writes one line per \
            input line: true, false, or "error: <message>" (and goes on); it exits 1 if any line \
            was an error. Without --batch an invalid spec or version exits 1 with nothing on \
            standard output. With --exit-status, exits 2 when any version does not match.

            Examples:
              railyard version match '>=2.3,<2.6' 2.5.1 2.6.0rc1 2.6.0
              printf 'pytorch >=2.3,<2.6\\t2.6.0\\n' | cut -d' ' -f2- | railyard version match --batch
            """
    )

    @Flag(name: .long, help: "Read SPEC<TAB>VERSION lines from standard input.")
    var batch = false

    @Flag(name: .customLong("exit-status"), help: "Exit 2 when any version does not match.")
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
            out.append(object.encoded + "\n")
        } else {
            for (_, matches) in results { out.append(matches ? "true\n" : "false\n") }
        }
        out.flush()
        if exitStatus && results.contains(where: { !$0.1 }) { throw ExitStatus.checkFailed }
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
                    out.append(object.encoded + "\n")
                } else {
                    out.append("error: \(failure.message)\n")
                }
            }
        }) {
            out.flush()
        }
        out.flush()
        if anyError { throw ExitStatus.invalidInput }
        if exitStatus && anyMismatch { throw ExitStatus.checkFailed }
    }
}

/// Evaluates `SPEC<TAB>VERSION` lines, remembering parsed specs and versions: a CI job checks
/// thousands of pins against a handful of versions.
struct BatchMatcher {
    struct Failure: Error {
        var code: String
        var message: String
    }

    private var specs: [String: Result<VersionSpec, VersionSpecError>] = [:]
    private var versions: [String: Result<Version, VersionError>] = [:]
    private static let cacheLimit = 1 << 16

    mutating func evaluate(_ line: ArraySlice<UInt8>) -> Result<Bool, Failure> {
        guard let tab = line.firstIndex(of: UInt8(ascii: "\t")) else {
            return .failure(Failure(code: "malformed-line", message: "expected SPEC<TAB>VERSION"))
        }
        let specText = String(decoding: line[..<tab], as: UTF8.self)
        let versionText = String(decoding: line[(tab + 1)...], as: UTF8.self)
        let spec: VersionSpec
        switch cachedSpec(specText) {
        case .success(let parsed): spec = parsed
        case .failure(let error): return .failure(Failure(code: "invalid-spec", message: error.description))
        }
        switch cachedVersion(versionText) {
        case .success(let version): return .success(spec.matches(version))
        case .failure(let error): return .failure(Failure(code: "invalid-version", message: error.description))
        }
    }

    private mutating func cachedSpec(_ text: String) -> Result<VersionSpec, VersionSpecError> {
        if let known = specs[text] { return known }
        if specs.count >= Self.cacheLimit { specs.removeAll(keepingCapacity: true) }
        let result = Result { () throws(VersionSpecError) in try VersionSpec(text) }
        specs[text] = result
        return result
    }

    private mutating func cachedVersion(_ text: String) -> Result<Version, VersionError> {
        if let known = versions[text] { return known }
        if versions.count >= Self.cacheLimit { versions.removeAll(keepingCapacity: true) }
        let result = Result { () throws(VersionError) in try Version(text) }
        versions[text] = result
        return result
    }
}
