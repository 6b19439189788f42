import CArchive
import Crypto
import Foundation
import RailyardCore

/// Why a file is not accepted as a conda package; every case names the file.
package enum PackageError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, message: String)
    case notAPackageName(file: String)
    case notAPackage(file: String, message: String)
    case damaged(file: String, message: String)
    case unsafeEntry(file: String, entry: String)
    case tooLarge(file: String, message: String)
    case badMetadata(file: String, message: String)
    case nameMismatch(file: String, expected: String)

    package var code: String {
        switch self {
        case .unreadable: "unreadable-file"
        case .notAPackageName: "not-a-package-name"
        case .notAPackage: "not-a-package"
        case .damaged: "damaged-package"
        case .unsafeEntry: "unsafe-entry"
        case .tooLarge: "package-too-large"
        case .badMetadata: "bad-metadata"
        case .nameMismatch: "name-mismatch"
        }
    }

    package var description: String {
        switch self {
        case .unreadable(let file, let message): "\(file): cannot be read: \(message)"
        case .notAPackageName(let file):
            "\(file): not a conda package file name (NAME-VERSION-BUILD.conda or .tar.bz2, one path component)"
        case .notAPackage(let file, let message): "\(file): not a conda package: \(message)"
        case .damaged(let file, let message): "\(file): truncated or damaged: \(message)"
        case .unsafeEntry(let file, let entry):
            "\(file): the archive entry '\(entry)' would leave the package's directory"
        case .tooLarge(let file, let message): "\(file): refused: \(message)"
        case .badMetadata(let file, let message): "\(file): info/index.json: \(message)"
        case .nameMismatch(let file, let expected):
            "\(file): its metadata names it \(expected): a renamed file is refused"
        }
    }
}

/// Reads conda package files (`.conda` and `.tar.bz2`) through libarchive: the metadata from the
/// package's own `info/index.json`, the size and digests of the file, and a check of every
/// archive entry (no entry or link may leave the package's directory, and the unpacked size is
/// bounded against zip bombs).
package enum PackageReader {
    /// Unpacked bytes allowed per packed byte, beyond a floor: real packages stay far below.
    static let maximumRatio: Int64 = 200
    static let unpackedFloor: Int64 = 256 << 20
    static let metadataLimit = 16 << 20

    package static func read(path: String) throws(PackageError) -> PackageRecord {
        let fileName = (path as NSString).lastPathComponent
        guard PackageRecord.isSafeFileName(fileName), let format = PackageRecord.format(ofFileName: fileName) else {
            throw .notAPackageName(file: fileName)
        }
        let (size, md5, sha256) = try digests(path: path, fileName: fileName)
        let budget = max(unpackedFloor, Int64(size) * maximumRatio)
        let index: Data
        switch format {
        case .tarBz2:
            index = try readTarball(path: path, fileName: fileName, budget: budget)
        case .conda:
            index = try readConda(path: path, fileName: fileName, budget: budget)
        }
        var record = try metadata(index, fileName: fileName, format: format)
        record.size = size
        record.md5 = md5
        record.sha256 = sha256
        return record
    }

    /// Size, MD5 and SHA-256 of the file, read in blocks.
    static func digests(path: String, fileName: String) throws(PackageError) -> (Int, String, String) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(
                file: fileName,
                message: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        defer { try? handle.close() }
        var sha = SHA256()
        var md5 = Insecure.MD5()
        var size = 0
        do {
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
                sha.update(data: block)
                md5.update(data: block)
                size += block.count
            }
        } catch {
            throw .unreadable(file: fileName, message: "\(error.localizedDescription)")
        }
        return (size, hex(md5.finalize()), hex(sha.finalize()))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    // MARK: - Formats

    /// `.tar.bz2`: one bzip2-compressed tarball holding `info/` and the payload.
    static func readTarball(path: String, fileName: String, budget: Int64) throws(PackageError) -> Data {
        let archive = Archive()
        archive_read_support_filter_bzip2(archive.handle)
        archive_read_support_format_tar(archive.handle)
        guard archive_read_open_filename(archive.handle, path, 1 << 16) == ARCHIVE_OK else {
            throw .notAPackage(file: fileName, message: archive.error)
        }
        var index: Data? = nil
        try archive.entries(fileName: fileName, budget: budget) { (entry, path) throws(PackageError) in
            if path == "info/index.json" { index = try archive.readData(fileName: fileName, limit: metadataLimit) }
        }
        guard let index else { throw .notAPackage(file: fileName, message: "no info/index.json") }
        return index
    }

    /// `.conda`: a zip of `metadata.json`, `info-*.tar.zst` and `pkg-*.tar.zst`.
    static func readConda(path: String, fileName: String, budget: Int64) throws(PackageError) -> Data {
        let outer = Archive()
        archive_read_support_format_zip(outer.handle)
        guard archive_read_open_filename(outer.handle, path, 1 << 16) == ARCHIVE_OK else {
            throw .notAPackage(file: fileName, message: outer.error)
        }
        let stem = String(fileName.dropLast(PackageRecord.Format.conda.rawValue.count))
        var index: Data? = nil
        var sawMetadata = false
        var remaining = budget
        try outer.entries(fileName: fileName, budget: budget) { (entry, path) throws(PackageError) in
            if path == "metadata.json" {
                sawMetadata = true
            } else if (path.hasPrefix("info-") || path.hasPrefix("pkg-")) && path.hasSuffix(".tar.zst") {
                // Named after the file's stem; a renamed file is caught by its metadata below.
                // The inner tarballs are read from the zip as a stream, entry by entry.
                let inner = Archive()
                archive_read_support_filter_zstd(inner.handle)
                archive_read_support_format_tar(inner.handle)
                let source = InnerSource(outer: outer.handle)
                let opened = withExtendedLifetime(source) {
                    archive_read_open(
                        inner.handle, Unmanaged.passUnretained(source).toOpaque(), nil,
                        { _, context, buffer in
                            let source = Unmanaged<InnerSource>.fromOpaque(context!).takeUnretainedValue()
                            return source.read(buffer)
                        }, nil)
                }
                guard opened == ARCHIVE_OK else {
                    throw .damaged(file: fileName, message: "\(path): \(inner.error)")
                }
                try inner.entries(fileName: fileName, budget: remaining, within: path) {
                    (_, innerPath) throws(PackageError) in
                    if innerPath == "info/index.json", path.hasPrefix("info-") {
                        index = try inner.readData(fileName: fileName, limit: metadataLimit)
                    }
                }
                remaining -= archive_filter_bytes(inner.handle, -1)
                withExtendedLifetime(source) {}
            } else {
                throw .notAPackage(
                    file: fileName, message: "unexpected entry '\(path)' in a .conda file named \(fileName)")
            }
        }
        guard sawMetadata else { throw .notAPackage(file: fileName, message: "no metadata.json") }
        guard let index else {
            throw .notAPackage(file: fileName, message: "no info-\(stem).tar.zst with info/index.json")
        }
        return index
    }

    // MARK: - Metadata

    static func metadata(_ data: Data, fileName: String, format: PackageRecord.Format) throws(PackageError)
        -> PackageRecord
    {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .badMetadata(file: fileName, message: "not a JSON object")
        }
        func string(_ key: String, required: Bool = true) throws(PackageError) -> String? {
            guard let value = object[key] else {
                if required { throw .badMetadata(file: fileName, message: "'\(key)' is missing") }
                return nil
            }
            guard let text = value as? String else {
                throw .badMetadata(file: fileName, message: "'\(key)' must be a string")
            }
            return text
        }
        func strings(_ key: String) throws(PackageError) -> [String] {
            guard let value = object[key] else { return [] }
            guard let list = value as? [String] else {
                throw .badMetadata(file: fileName, message: "'\(key)' must be a list of strings")
            }
            return list
        }
        let name = try string("name")!
        let version = try string("version")!
        let build = try string("build")!
        let subdir = try string("subdir")!
        guard let buildNumber = (object["build_number"] as? NSNumber).map(\.intValue) else {
            throw .badMetadata(file: fileName, message: "'build_number' must be a number")
        }
        do {
            _ = try Version(version)
        } catch {
            throw .badMetadata(file: fileName, message: "version '\(version)': \(error.explanation)")
        }
        guard !subdir.isEmpty, PackageRecord.isSafeFileName(subdir), subdir != "label" else {
            throw .badMetadata(file: fileName, message: "subdir '\(subdir)' is not a subdir name")
        }
        let depends = try strings("depends")
        for spec in depends {
            do {
                _ = try MatchSpec(spec)
            } catch {
                throw .badMetadata(file: fileName, message: "depends '\(spec)': \(error.explanation)")
            }
        }
        var noarch: String? = nil
        switch object["noarch"] {
        case let text as String: noarch = text
        case let flag as Bool: noarch = flag ? "generic" : nil
        default: break
        }
        let expected = PackageRecord.expectedFileName(name: name, version: version, build: build, format: format)
        guard expected == fileName else { throw .nameMismatch(file: fileName, expected: expected) }
        return PackageRecord(
            fileName: fileName, name: name, version: version, build: build, buildNumber: buildNumber,
            depends: depends, constrains: try strings("constrains"), subdir: subdir, noarch: noarch,
            license: try string("license", required: false),
            licenseFamily: try string("license_family", required: false),
            features: try string("features", required: false),
            trackFeatures: try string("track_features", required: false),
            timestamp: (object["timestamp"] as? NSNumber).map(\.intValue), size: 0, md5: "", sha256: ""
        )
    }
}

/// One libarchive reader, freed with its owner.
final class Archive {
    let handle: OpaquePointer

    init() { handle = archive_read_new() }

    deinit { archive_read_free(handle) }

    var error: String { archive_error_string(handle).map { String(cString: $0) } ?? "unreadable archive" }

    /// Calls `body` for every entry after checking that its path (and any link target) stays
    /// inside the package and that the unpacked total stays within `budget`.
    func entries(
        fileName: String, budget: Int64, within container: String? = nil,
        _ body: (OpaquePointer, String) throws(PackageError) -> Void
    ) throws(PackageError) {
        var entry: OpaquePointer? = nil
        var unpacked: Int64 = 0
        var count = 0
        while true {
            let status = archive_read_next_header(handle, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                throw count == 0 && container == nil
                    ? .notAPackage(file: fileName, message: error)
                    : .damaged(file: fileName, message: prefixed(container))
            }
            count += 1
            guard let raw = archive_entry_pathname(entry) else {
                throw .damaged(file: fileName, message: prefixed(container) + "an entry without a name")
            }
            var path = String(cString: raw)
            while path.hasPrefix("./") { path.removeFirst(2) }
            guard Self.staysInside(path) else { throw .unsafeEntry(file: fileName, entry: path) }
            if let target = archive_entry_hardlink(entry).map({ String(cString: $0) }), !Self.staysInside(target) {
                throw .unsafeEntry(file: fileName, entry: "\(path) => \(target)")
            }
            if let target = archive_entry_symlink(entry).map({ String(cString: $0) }),
                !Self.staysInside(target, from: path)
            {
                throw .unsafeEntry(file: fileName, entry: "\(path) -> \(target)")
            }
            let size = archive_entry_size(entry)
            unpacked += max(0, size)
            guard unpacked <= budget else {
                throw .tooLarge(
                    file: fileName,
                    message:
                        "it unpacks to more than \(budget >> 20) MiB, far beyond what its size allows (a zip bomb?)")
            }
            try body(entry, path)
            if archive_read_data_skip(handle) != ARCHIVE_OK {
                throw .damaged(file: fileName, message: prefixed(container) + error)
            }
        }
    }

    private func prefixed(_ container: String?) -> String { container.map { "\($0): " } ?? "" }

    /// The current entry's data, up to `limit` bytes.
    func readData(fileName: String, limit: Int) throws(PackageError) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { archive_read_data(handle, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else { throw .damaged(file: fileName, message: error) }
            data.append(contentsOf: buffer[0..<count])
            guard data.count <= limit else {
                throw .tooLarge(file: fileName, message: "info/index.json is larger than \(limit >> 20) MiB")
            }
        }
        return data
    }

    /// Whether a relative archive path (or a link target, resolved from the entry `from`) stays
    /// inside the package root.
    static func staysInside(_ path: String, from entry: String? = nil) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/") else { return false }
        var depth = 0
        var components = path.split(separator: "/", omittingEmptySubsequences: true)
        if let entry {
            let base = entry.split(separator: "/", omittingEmptySubsequences: true).dropLast()
            components = Array(base) + components
        }
        for component in components {
            if component == ".." {
                depth -= 1
                if depth < 0 { return false }
            } else if component != "." {
                depth += 1
            }
        }
        return true
    }
}

/// Feeds the current entry of an outer archive (a zip member) to an inner reader.
final class InnerSource {
    static let capacity = 1 << 16
    let outer: OpaquePointer
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)

    init(outer: OpaquePointer) { self.outer = outer }

    deinit { buffer.deallocate() }

    func read(_ pointer: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        let count = archive_read_data(outer, buffer, Self.capacity)
        pointer?.pointee = UnsafeRawPointer(buffer)
        return count
    }
}
