import Foundation
import Testing

/// Real conda package files for the channel's tests, made by `Tests/Fixtures/condapkg.py` with
/// the formats' own tools (Python's tarfile and zipfile, the zstd command).
enum PackageFixtures {
    /// `Tests/Fixtures`: the script and the real records copied in with their origin named.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let script = fixtures.appendingPathComponent("condapkg.py").path

    /// Makes one package in `directory` with condapkg.py's `arguments` after the five fields;
    /// returns its path.
    static func make(
        in directory: String, _ name: String = "pytorch", _ version: String = "2.6.0", _ build: String = "py311_0",
        subdir: String = "linux-64", _ arguments: [String] = []
    ) throws -> String {
        let result = try run("python3", [script, directory, name, version, build, subdir] + arguments)
        try #require(result.status == 0, "condapkg.py failed: \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a program found on PATH; its exit status, standard output and standard error.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }
}

/// A folder of its own for one test, removed after it.
struct ScratchFolder {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-channel-\(UUID().uuidString)")
        .path

    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Every regular file under `root`, relative to it, with its size (what a refusal must leave alone).
    static func files(under root: String) -> [String: Int] {
        var result: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
        while let item = walker.nextObject() as? String {
            guard walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular else { continue }
            result[item] = (walker.fileAttributes?[.size] as? Int) ?? -1
        }
        return result
    }
}
