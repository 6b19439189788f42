import ArgumentParser
import Foundation
import RailyardApplication
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
            throw refuse(code: error.cliCode, message: error.description, json: output.json)
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
                    // The hot path writes the line itself: the same object appendLine would, keys sorted.
                    out.append("{\"line\":\(lineNumber),\"matches\":\(matches),\"schema\":\(Wire.schema)}\n")
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

    private var specs = ParseCache<VersionSpec, VersionSpecError> { text throws(VersionSpecError) in
        try VersionSpec(text)
    }
    private var versions = ParseCache<Version, VersionError> { text throws(VersionError) in try Version(text) }

    mutating func evaluate(_ line: ArraySlice<UInt8>) -> Result<Bool, Failure> {
        guard let tab = line.firstIndex(of: UInt8(ascii: "\t")) else {
            return .failure(Failure(code: "malformed-line", message: "expected SPEC<TAB>VERSION"))
        }
        let spec = specs.position(of: line[..<tab])
        let version = versions.position(of: line[(tab + 1)...])
        switch specs[spec] {
        case .failure(let error):
            return .failure(Failure(code: error.cliCode, message: error.description))
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

/// Parses of byte strings, remembered by their bytes: a hit costs a hash of the bytes and one
/// comparison, with no `String` made. It starts afresh once it holds `limit` entries, so memory
/// stays bounded.
struct ParseCache<Value, Failure: Error> {
    /// Every key's bytes, one after another; key `i` is `keyBytes[keyEnds[i - 1]..<keyEnds[i]]`.
    private var keyBytes: [UInt8] = []
    private var keyEnds: [Int] = []
    private var values: [Result<Value, Failure>] = []
    /// Open addressing: each slot holds a key's index plus one, or 0 when empty.
    private var slots = [Int32](repeating: 0, count: 1 << 12)
    private let parse: (String) throws(Failure) -> Value
    private let limit = 1 << 17

    init(parse: @escaping (String) throws(Failure) -> Value) {
        self.parse = parse
    }

    subscript(position: Int) -> Result<Value, Failure> { values[position] }

    /// The position of the parse of `bytes`, parsing them on first sight.
    mutating func position(of bytes: ArraySlice<UInt8>) -> Int {
        var slot = Self.slot(of: bytes, in: slots.count)
        while slots[slot] != 0 {
            let index = Int(slots[slot]) - 1
            if key(index, equals: bytes) { return index }
            slot = (slot + 1) & (slots.count - 1)
        }
        if values.count >= limit {
            keyBytes.removeAll(keepingCapacity: true)
            keyEnds.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            slots = [Int32](repeating: 0, count: slots.count)
            return position(of: bytes)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        keyBytes.append(contentsOf: bytes)
        keyEnds.append(keyBytes.count)
        values.append(Result { () throws(Failure) in try parse(text) })
        slots[slot] = Int32(values.count)
        if values.count * 2 > slots.count { grow() }
        return values.count - 1
    }

    private func key(_ index: Int, equals bytes: ArraySlice<UInt8>) -> Bool {
        let start = index == 0 ? 0 : keyEnds[index - 1]
        let end = keyEnds[index]
        guard end - start == bytes.count else { return false }
        return keyBytes.withUnsafeBufferPointer { stored in
            bytes.withUnsafeBufferPointer { wanted in
                memcmp(stored.baseAddress! + start, wanted.baseAddress!, wanted.count) == 0
            }
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        for index in values.indices {
            let start = index == 0 ? 0 : keyEnds[index - 1]
            var slot = Self.slot(of: keyBytes[start..<keyEnds[index]], in: slots.count)
            while slots[slot] != 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = Int32(index + 1)
        }
    }

    /// The first slot to probe for `bytes`: FNV-1a over the bytes, masked to the table size.
    private static func slot(of bytes: ArraySlice<UInt8>, in count: Int) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 32)) & (count - 1)
    }
}

extension VersionSpecError {
    /// `invalid-spec`, or the limit the spec exceeds: `spec-too-long`, `spec-too-deep`, `spec-too-complex`.
    var cliCode: String {
        switch code {
        case "spec-too-long", "spec-too-deep", "spec-too-complex": code
        default: "invalid-spec"
        }
    }
}
