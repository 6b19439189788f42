import CArchive
import Crypto
import Foundation
import RailyardCore

/// Why a file is not accepted as a conda package; every case names the file and says what to do.
package enum PackageError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, message: String)
    case notAPackageName(file: String)
    case notAPackage(file: String, message: String)
    case damaged(file: String, message: String)
    case unsafeEntry(file: String, entry: String)
    case tooLarge(file: String, message: String)
    case badMetadata(file: String, message: String)
    case nameMismatch(file: String, expected: String)
    /// An entry that is neither a regular file, a directory, a symbolic link nor a hard link.
    case unsupportedEntry(file: String, entry: String, kind: String)
    /// A tarball not compressed the way its format requires (bzip2 for `.tar.bz2`, zstd inside a `.conda`).
    case wrongCompression(file: String, member: String, expected: String)
    /// Metadata conda could read otherwise than Railyard: a second `info-` tarball, an inner
    /// tarball named for another file, a member twice, or `info/index.json` twice.
    case ambiguousMetadata(file: String, message: String)
    /// More `depends` or `constrains` than `PackageRecord.maximumSpecs`.
    case tooManySpecs(file: String, field: String, count: Int)
    /// A symbolic link with no target: neither conda-package-handling nor rattler extracts it.
    case emptyLinkTarget(file: String, entry: String)

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
        case .unsupportedEntry: "unsupported-entry"
        case .wrongCompression: "wrong-compression"
        case .ambiguousMetadata: "ambiguous-metadata"
        case .tooManySpecs: "too-many-specs"
        case .emptyLinkTarget: "empty-link-target"
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
        case .unsupportedEntry(let file, let entry, let kind):
            "\(file): the archive entry '\(entry)' is a \(kind): a conda package holds only regular files,"
                + " directories and links; rebuild it without that entry"
        case .wrongCompression(let file, let member, let expected):
            "\(file): \(member) is not \(expected)-compressed as its format requires: rebuild it with conda-build"
                + " or conda-package-handling"
        case .ambiguousMetadata(let file, let message):
            "\(file): \(message): conda could read other metadata than Railyard; rebuild the package"
        case .emptyLinkTarget(let file, let entry):
            "\(file): the symbolic link '\(entry)' has an empty target, which neither conda-package-handling nor"
                + " rattler can extract: rebuild the package"
        case .tooManySpecs(let file, let field, let count):
            "\(file): info/index.json: '\(field)' lists \(count) specs, more than the \(PackageRecord.maximumSpecs)"
                + " a package may have: rebuild it with fewer (a metapackage can be split)"
        }
    }
}

/// Reads conda package files (`.conda` and `.tar.bz2`) through libarchive: the metadata from the
/// package's own `info/index.json`, the size and digests of the file, and a check of every
/// archive entry, as conda-package-streaming would extract them:
///
/// - a `.conda` holds exactly `metadata.json`, `info-STEM.tar.zst` and `pkg-STEM.tar.zst`
///   (STEM the file name without `.conda`), its tarballs zstd-compressed; a `.tar.bz2` is one
///   bzip2-compressed tarball;
/// - entries are regular files, directories, symbolic links and hard links; none, and no link
///   followed through the package's other links, leaves the package's directory;
/// - everything unpacked from one file, at every level, stays within one budget:
///   `maximumRatio` times the file's size, and at least `unpackedFloor` (against zip bombs);
/// - the metadata keeps the bounds of `PackageRecord.metadataProblem`.
package enum PackageReader {
    /// Unpacked bytes allowed per packed byte, beyond a floor: real packages stay far below.
    static let maximumRatio: Int64 = 200
    static let unpackedFloor: Int64 = 256 << 20
    static let metadataLimit = 16 << 20
    /// Links followed while resolving one path (Linux's own bound before ELOOP).
    static let maximumLinkHops = 40

    package static func read(path: String) throws(PackageError) -> PackageRecord {
        let fileName = (path as NSString).lastPathComponent
        guard PackageRecord.isSafeFileName(fileName), let format = PackageRecord.format(ofFileName: fileName) else {
            throw .notAPackageName(file: fileName)
        }
        let (size, md5, sha256) = try digests(path: path, fileName: fileName)
        let scan = PackageScan(fileName: fileName, budget: max(unpackedFloor, Int64(size) * maximumRatio))
        switch format {
        case .tarBz2: try readTarball(path: path, scan: scan)
        case .conda: try readConda(path: path, scan: scan)
        }
        try scan.checkLinks()
        guard let index = scan.index else {
            throw .notAPackage(
                file: fileName,
                message: format == .conda
                    ? "no info-\(scan.stem).tar.zst with info/index.json" : "no info/index.json")
        }
        var record = try metadata(index, fileName: fileName, format: format)
        record.size = size
        record.md5 = md5
        record.sha256 = sha256
        switch record.metadataProblem {
        case nil: break
        case .tooManySpecs(let field, let count): throw .tooManySpecs(file: fileName, field: field, count: count)
        case .invalid(_, let message): throw .badMetadata(file: fileName, message: message)
        }
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
    static func readTarball(path: String, scan: PackageScan) throws(PackageError) {
        let archive = Archive()
        archive_read_support_filter_bzip2(archive.handle)
        archive_read_support_format_tar(archive.handle)
        guard archive_read_open_filename(archive.handle, path, 1 << 16) == ARCHIVE_OK else {
            throw .notAPackage(file: scan.fileName, message: archive.error)
        }
        try archive.entries(scan: scan, compression: (ARCHIVE_FILTER_BZIP2, "bzip2")) {
            (_, path) throws(PackageError) in
            try scan.readIndexIfPresent(path, from: archive)
        }
    }

    /// `.conda`: a zip of `info-STEM.tar.zst`, `pkg-STEM.tar.zst` and (usually) `metadata.json`,
    /// each once.
    static func readConda(path: String, scan: PackageScan) throws(PackageError) {
        let fileName = scan.fileName
        let outer = Archive()
        archive_read_support_format_zip(outer.handle)
        guard archive_read_open_filename(outer.handle, path, 1 << 16) == ARCHIVE_OK else {
            throw .notAPackage(file: fileName, message: outer.error)
        }
        let expected = ["metadata.json", "info-\(scan.stem).tar.zst", "pkg-\(scan.stem).tar.zst"]
        var seen = Set<String>()
        try outer.entries(scan: scan, compression: nil, members: true) { (_, member) throws(PackageError) in
            guard expected.contains(member) else {
                if seen.isDisjoint(with: expected.dropFirst()), member.hasSuffix(".tar.zst"),
                    let dash = member.firstIndex(of: "-"),
                    ["info", "pkg"].contains(member[..<dash])
                {
                    // Tarballs named for another file before any named for this one: a renamed file.
                    let other = member[member.index(after: dash)...].dropLast(".tar.zst".count)
                    throw .nameMismatch(file: fileName, expected: other + PackageRecord.Format.conda.rawValue)
                }
                if member.hasPrefix("info-") || member.hasPrefix("pkg-") {
                    throw .ambiguousMetadata(
                        file: fileName,
                        message: "it holds '\(member)', but a .conda named \(fileName) holds only \(expected[1])"
                            + " and \(expected[2])")
                }
                throw .notAPackage(
                    file: fileName, message: "unexpected entry '\(member)' in a .conda file named \(fileName)")
            }
            guard seen.insert(member).inserted else {
                throw .ambiguousMetadata(file: fileName, message: "it holds '\(member)' twice")
            }
            guard member != "metadata.json" else { return }
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
                throw .damaged(file: fileName, message: "\(member): \(inner.error)")
            }
            let isInfo = member == expected[1]
            try inner.entries(scan: scan, compression: (ARCHIVE_FILTER_ZSTD, "zstd"), within: member) {
                (_, innerPath) throws(PackageError) in
                if isInfo {
                    try scan.readIndexIfPresent(innerPath, from: inner)
                } else if innerPath == "info" || innerPath.hasPrefix("info/") {
                    // conda extracts both tarballs into one folder: the metadata is the info tarball's alone.
                    throw .ambiguousMetadata(file: fileName, message: "\(member) holds '\(innerPath)'")
                }
            }
            withExtendedLifetime(source) {}
        }
        // metadata.json is optional: conda-package-handling and rattler read a .conda without it.
    }

    // MARK: - Metadata

    /// The record `info/index.json` describes (without the file's size and digests), read with
    /// the same JSON reader as repodata; its fields are checked by the caller.
    static func metadata(_ data: Data, fileName: String, format: PackageRecord.Format) throws(PackageError)
        -> PackageRecord
    {
        let parsed: JSON
        do {
            parsed = try JSONReader.parse(data)
        } catch {
            throw .badMetadata(file: fileName, message: error.description)
        }
        guard let object = parsed.object else { throw .badMetadata(file: fileName, message: "not a JSON object") }
        func string(_ key: String, required: Bool = true) throws(PackageError) -> String? {
            guard let value = object[key], value != .null || required else {
                if required { throw .badMetadata(file: fileName, message: "'\(key)' is missing") }
                return nil
            }
            guard let text = value.string else {
                throw .badMetadata(file: fileName, message: "'\(key)' must be a string")
            }
            return text
        }
        func strings(_ key: String) throws(PackageError) -> [String] {
            guard let value = object[key], value != .null else { return [] }
            guard let list = value.strings else {
                throw .badMetadata(file: fileName, message: "'\(key)' must be a list of strings")
            }
            return list
        }
        /// An integer within `range`; nil when absent and optional.
        func integer(_ key: String, in range: ClosedRange<Int>, required: Bool) throws(PackageError) -> Int? {
            guard let value = object[key], value != .null else {
                if required { throw .badMetadata(file: fileName, message: "'\(key)' is missing") }
                return nil
            }
            guard case .number(let number) = value, number == number.rounded() else {
                throw .badMetadata(file: fileName, message: "'\(key)' must be an integer")
            }
            guard number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
                throw .badMetadata(
                    file: fileName,
                    message: "\(key) \(number.magnitude < 1e18 ? String(Int(number)) : String(number)) is not in"
                        + " \(range.lowerBound)...\(range.upperBound): rebuild it with a value in that range")
            }
            return Int(number)
        }
        let name = try string("name")!
        let version = try string("version")!
        let build = try string("build")!
        let subdir = try string("subdir")!
        let buildNumber = try integer("build_number", in: 0...PackageRecord.maximumBuildNumber, required: true)!
        let timestamp = try integer("timestamp", in: 0...PackageRecord.maximumTimestamp, required: false)
        let depends = try strings("depends")
        let constrains = try strings("constrains")
        var noarch: String? = nil
        switch object["noarch"] {
        case .string(let text): noarch = text
        case .bool(let flag): noarch = flag ? "generic" : nil
        case nil, .null: break
        default: throw .badMetadata(file: fileName, message: "'noarch' must be 'generic', 'python' or a boolean")
        }
        let expected = PackageRecord.expectedFileName(name: name, version: version, build: build, format: format)
        guard expected == fileName else { throw .nameMismatch(file: fileName, expected: expected) }
        var record = PackageRecord(
            fileName: fileName, name: name, version: version, build: build, buildNumber: buildNumber,
            depends: depends, constrains: constrains, subdir: subdir, noarch: noarch,
            license: try string("license", required: false),
            licenseFamily: try string("license_family", required: false),
            features: try string("features", required: false),
            trackFeatures: try string("track_features", required: false),
            timestamp: timestamp, size: 0, md5: "", sha256: ""
        )
        // Every other field goes into the record as it is (the file's size and digests are
        // measured, never taken from the metadata), but for the legacy keys no indexer writes.
        let kept = object.filter {
            !PackageRecord.modeledKeys.contains($0.key) && !PackageRecord.legacyIndexKeys.contains($0.key)
        }
        // A repodata holds a record's fields two levels deeper than index.json does: a field
        // nested deeper than the reader takes there would make the whole label unreadable.
        let deepest = JSONReader.maximumDepth - 3
        for (key, value) in kept.sorted(by: { $0.key < $1.key }) where value.nesting > deepest {
            throw .badMetadata(
                file: fileName,
                message: "'\(key)' nests \(value.nesting) levels deep; a repodata record takes at most \(deepest)")
        }
        let extra = kept.mapValues(\.value)
        if !extra.isEmpty { record.extra = extra }
        return record
    }
}

/// What the archives of one package file hold, gathered across its tarballs: the unpacked bytes
/// spent of its one budget, its links (checked together at the end, since conda extracts
/// `info-` and `pkg-` into one folder) and its `info/index.json`.
final class PackageScan {
    let fileName: String
    let budget: Int64
    private(set) var unpacked: Int64 = 0
    /// Symbolic links by their normalized path: their targets as written.
    var symlinks: [String: String] = [:]
    /// Every entry's normalized path, and each hard link's target.
    var paths: [String] = []
    var index: Data? = nil

    init(fileName: String, budget: Int64) {
        self.fileName = fileName
        self.budget = budget
    }

    /// The file name without its format's extension: what a `.conda`'s members are named after.
    var stem: String {
        let format = PackageRecord.format(ofFileName: fileName) ?? .conda
        return String(fileName.dropLast(format.rawValue.count))
    }

    /// Adds `bytes` to what this file unpacks, refusing it past the budget.
    func spend(_ bytes: Int64) throws(PackageError) {
        unpacked += bytes
        guard unpacked <= budget else {
            throw .tooLarge(
                file: fileName,
                message: "it unpacks to more than \(budget >> 20) MiB, far beyond what its size allows (a zip bomb?)")
        }
    }

    /// Reads `info/index.json` when `path` is it; a second one is ambiguous.
    func readIndexIfPresent(_ path: String, from archive: Archive) throws(PackageError) {
        guard path == "info/index.json" else { return }
        guard index == nil else {
            throw .ambiguousMetadata(file: fileName, message: "it holds info/index.json twice")
        }
        index = try archive.readData(fileName: fileName, limit: PackageReader.metadataLimit)
    }

    /// Refuses the package when a link, followed through its other links, or an entry written
    /// through a linked directory, would leave the package's directory.
    func checkLinks() throws(PackageError) {
        guard !symlinks.isEmpty else { return }
        let links = symlinks.mapValues { $0.split(separator: "/", omittingEmptySubsequences: true) }
        for (path, target) in symlinks.sorted(by: { $0.key < $1.key }) {
            let parent = path.split(separator: "/").dropLast()
            guard !target.hasPrefix("/"),
                Self.staysInside(Array(parent) + target.split(separator: "/"), links: links)
            else {
                throw .unsafeEntry(file: fileName, entry: "\(path) -> \(target), followed through the package's links")
            }
        }
        for path in paths {
            let parent = path.split(separator: "/").dropLast()
            guard Self.staysInside(Array(parent), links: links) else {
                throw .unsafeEntry(file: fileName, entry: "\(path), written through a linked folder")
            }
        }
    }

    /// Whether `components`, from the package root, resolve inside it when every component
    /// that is one of `links` is replaced by its target (as the kernel resolves a path).
    static func staysInside(_ components: [Substring], links: [String: [Substring]]) -> Bool {
        var pending = Array(components.reversed())
        var resolved: [Substring] = []
        var hops = 0
        while let component = pending.popLast() {
            if component.isEmpty || component == "." { continue }
            if component == ".." {
                guard !resolved.isEmpty else { return false }
                resolved.removeLast()
                continue
            }
            resolved.append(component)
            guard let target = links[resolved.joined(separator: "/")] else { continue }
            hops += 1
            guard hops <= PackageReader.maximumLinkHops else { return false }
            resolved.removeLast()
            pending.append(contentsOf: target.reversed())
        }
        return true
    }
}

/// One libarchive reader, freed with its owner.
final class Archive {
    let handle: OpaquePointer

    init() { handle = archive_read_new() }

    deinit { archive_read_free(handle) }

    var error: String { archive_error_string(handle).map { String(cString: $0) } ?? "unreadable archive" }

    /// Calls `body` for every entry after checking its type, that its path (and any link
    /// target) stays inside the package, that the archive has the `compression` its format
    /// requires, and that the bytes unpacked stay within the scan's budget. The archive's
    /// charge is the larger of its entries' declared sizes and the bytes its decompression
    /// produced. `members`: the entries are a zip's members (other archives), not package files.
    func entries(
        scan: PackageScan, compression: (code: Int32, name: String)?, within container: String? = nil,
        members: Bool = false, _ body: (OpaquePointer, String) throws(PackageError) -> Void
    ) throws(PackageError) {
        let fileName = scan.fileName
        var entry: OpaquePointer? = nil
        var declared: Int64 = 0
        var charged: Int64 = 0
        var count = 0
        func charge() throws(PackageError) {
            let produced = compression == nil ? 0 : archive_filter_bytes(handle, 0)
            let now = max(declared, produced)
            try scan.spend(now - charged)
            charged = now
        }
        while true {
            let status = archive_read_next_header(handle, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                throw count == 0 && container == nil
                    ? .notAPackage(file: fileName, message: error)
                    : .damaged(file: fileName, message: prefixed(container) + error)
            }
            count += 1
            if count == 1, let compression {
                guard archive_filter_count(handle) == 2, archive_filter_code(handle, 0) == compression.code else {
                    throw .wrongCompression(
                        file: fileName, member: container ?? "the tarball", expected: compression.name)
                }
            }
            guard let raw = archive_entry_pathname(entry) else {
                throw .damaged(file: fileName, message: prefixed(container) + "an entry without a name")
            }
            var path = String(cString: raw)
            while path.hasPrefix("./") { path.removeFirst(2) }
            guard Self.staysInside(path) else { throw .unsafeEntry(file: fileName, entry: path) }
            // As extraction writes it: `a//b/./c` is `a/b/c`.
            let normalized = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
                .joined(separator: "/")
            if !members { try check(entry, path: path, normalized: normalized, scan: scan) }
            declared += max(0, archive_entry_size(entry))
            try charge()
            try body(entry, normalized)
            if archive_read_data_skip(handle) != ARCHIVE_OK {
                throw .damaged(file: fileName, message: prefixed(container) + error)
            }
            try charge()
        }
    }

    /// Refuses an entry of a type conda does not install, or a link that leaves the package;
    /// records links and paths for the scan's check of link chains.
    private func check(_ entry: OpaquePointer, path: String, normalized: String, scan: PackageScan)
        throws(PackageError)
    {
        let fileName = scan.fileName
        if let target = archive_entry_hardlink(entry).map({ String(cString: $0) }) {
            guard Self.staysInside(target) else { throw .unsafeEntry(file: fileName, entry: "\(path) => \(target)") }
            scan.paths.append(normalized)
            scan.paths.append(target)
            return
        }
        let type = archive_entry_filetype(entry)
        switch type {
        case 0o100000, 0o040000: break  // AE_IFREG, AE_IFDIR
        case 0o120000:  // AE_IFLNK
            let target = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
            guard !target.isEmpty else { throw .emptyLinkTarget(file: fileName, entry: path) }
            guard Self.staysInside(target, from: path) else {
                throw .unsafeEntry(file: fileName, entry: "\(path) -> \(target)")
            }
            scan.symlinks[normalized] = target
        default:
            let kind =
                switch type {
                case 0o020000: "character device"
                case 0o060000: "block device"
                case 0o010000: "FIFO"
                case 0o140000: "socket"
                default: "file of unknown type"
                }
            throw .unsupportedEntry(file: fileName, entry: path, kind: kind)
        }
        scan.paths.append(normalized)
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
    /// inside the package root, read as written (links are followed by `PackageScan.checkLinks`).
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
