import CArchive
import Crypto
import Foundation

/// Writes small but real conda packages (`.tar.bz2`, conda's first format) with libarchive:
/// `info/index.json`, `info/paths.json` and one payload file. What the demo puts in its
/// channel; conda, rattler and Railyard's own reader take them like any other.
package enum PackageWriter {
    /// What goes into `info/index.json`.
    package struct Metadata: Sendable {
        package var name: String
        package var version: String
        package var build: String
        package var buildNumber: Int
        package var subdir: String
        package var depends: [String]
        /// A build a solver should avoid when another will do (the CPU mutex of the pytorch channel).
        package var trackFeatures: String?

        package init(
            name: String, version: String, build: String, buildNumber: Int = 0, subdir: String, depends: [String],
            trackFeatures: String? = nil
        ) {
            self.name = name
            self.version = version
            self.build = build
            self.buildNumber = buildNumber
            self.subdir = subdir
            self.depends = depends
            self.trackFeatures = trackFeatures
        }

        package var fileName: String { "\(name)-\(version)-\(build).tar.bz2" }
    }

    /// Writes the package into `directory` (created if needed); returns its path.
    @discardableResult
    package static func write(_ metadata: Metadata, into directory: String, timestamp: Date) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + metadata.fileName
        let payloadPath = "site-packages/\(metadata.name.replacingOccurrences(of: "-", with: "_"))/__init__.py"
        let payload = Data("__version__ = \"\(metadata.version)\"\n".utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase  // buildNumber → build_number, as conda spells it
        struct Index: Encodable {
            var name, version, build: String
            var buildNumber: Int
            var subdir: String
            var depends: [String]
            var license = "BSD-3-Clause"
            var timestamp: Int
            var platform: String?
            var arch: String?
            var trackFeatures: String?
        }
        let parts = metadata.subdir.split(separator: "-", maxSplits: 1).map(String.init)
        let index = try encoder.encode(
            Index(
                name: metadata.name, version: metadata.version, build: metadata.build,
                buildNumber: metadata.buildNumber, subdir: metadata.subdir, depends: metadata.depends,
                timestamp: Int(timestamp.timeIntervalSince1970 * 1000),
                platform: parts.count == 2 ? (parts[0] == "osx" ? "osx" : parts[0]) : nil,
                arch: parts.count == 2 ? (parts[1] == "64" ? "x86_64" : parts[1] == "32" ? "x86" : parts[1]) : nil,
                trackFeatures: metadata.trackFeatures))
        struct PathEntry: Encodable {
            var _path: String
            var pathType = "hardlink"
            var sha256: String
            var sizeInBytes: Int
        }
        struct Paths: Encodable {
            var paths: [PathEntry]
            var pathsVersion = 1
        }
        let paths = try encoder.encode(
            Paths(paths: [
                PathEntry(
                    _path: payloadPath, sha256: SHA256.hash(data: payload).map { String(format: "%02x", $0) }.joined(),
                    sizeInBytes: payload.count)
            ]))

        guard let archive = archive_write_new() else { throw PackageWriterError("libarchive: out of memory") }
        defer { archive_write_free(archive) }
        guard archive_write_set_format_pax_restricted(archive) == ARCHIVE_OK,
            archive_write_add_filter_bzip2(archive) == ARCHIVE_OK,
            archive_write_open_filename(archive, path + ".part") == ARCHIVE_OK
        else {
            throw PackageWriterError("\(path): \(String(cString: archive_error_string(archive)))")
        }
        for (name, data) in [("info/index.json", index), ("info/paths.json", paths), (payloadPath, payload)] {
            guard let entry = archive_entry_new() else { throw PackageWriterError("libarchive: out of memory") }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname(entry, name)
            archive_entry_set_size(entry, la_int64_t(data.count))
            archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG: a regular file
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_mtime(entry, time_t(timestamp.timeIntervalSince1970), 0)
            guard archive_write_header(archive, entry) == ARCHIVE_OK else {
                throw PackageWriterError("\(path): \(String(cString: archive_error_string(archive)))")
            }
            let written = data.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, data.count) }
            guard written == data.count else {
                throw PackageWriterError("\(path): could not write \(name)")
            }
        }
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw PackageWriterError("\(path): \(String(cString: archive_error_string(archive)))")
        }
        try FileManager.default.moveItem(atPath: path + ".part", toPath: path)
        return path
    }
}

package struct PackageWriterError: Error, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
