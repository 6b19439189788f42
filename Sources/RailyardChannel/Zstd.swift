import CArchive
import Foundation

/// zstd frames through libarchive (its `raw` format with the zstd filter), for
/// `repodata.json.zst`: the compressed repodata conda, mamba, pixi and rattler ask for first.
enum Zstd {
    /// The compression level. Measured with the zstd tool on a 30 MB repodata of 55,000 records:
    /// level 3 takes 0.04 s (1.16 MB), 9 takes 0.12 s (0.53 MB), 16 takes 4.9 s (0.33 MB), 19
    /// takes 12.7 s; and level 16 spends about 20 ms setting up even for a tiny file, which every
    /// staging pays. 9 keeps a promotion fast and the download small.
    static let level = 9

    /// `data` as one zstd frame.
    static func compress(_ data: Data) throws(ChannelError) -> Data {
        guard let archive = archive_write_new() else { throw .io(path: "zstd", message: "libarchive: out of memory") }
        defer { archive_write_free(archive) }
        // libarchive keeps both pointers until the archive is closed: they are allocated here and
        // freed after, never Swift temporaries. zstd never grows data by more than a small
        // fraction; the margin covers the headers.
        let capacity = data.count + data.count / 128 + 4096
        let output = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { output.deallocate() }
        let used = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { used.deallocate() }
        used.initialize(to: 0)
        // ARCHIVE_WARN: libarchive runs the zstd program where it was built without libzstd.
        guard archive_write_add_filter_zstd(archive) >= ARCHIVE_WARN,
            archive_write_set_filter_option(archive, "zstd", "compression-level", String(level)) >= ARCHIVE_WARN,
            archive_write_set_format_raw(archive) == ARCHIVE_OK,
            archive_write_open_memory(archive, output, capacity, used) == ARCHIVE_OK,
            let entry = archive_entry_new()
        else { throw .io(path: "zstd", message: message(of: archive)) }
        defer { archive_entry_free(entry) }
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_size(entry, la_int64_t(data.count))
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw .io(path: "zstd", message: message(of: archive))
        }
        let written = data.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, data.count) }
        guard written == data.count, archive_write_close(archive) == ARCHIVE_OK else {
            throw .io(path: "zstd", message: message(of: archive))
        }
        return Data(bytes: output, count: used.pointee)
    }

    /// libarchive's message for its last error (it may have none).
    private static func message(of archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "libarchive could not write zstd"
    }

    /// The data of one zstd stream, refused past `limit` bytes; nil when it is not zstd.
    static func decompress(_ data: Data, limit: Int) -> Data? {
        guard let archive = archive_read_new() else { return nil }
        defer { archive_read_free(archive) }
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Data? in
            guard archive_read_support_filter_zstd(archive) >= ARCHIVE_WARN,
                archive_read_support_format_raw(archive) == ARCHIVE_OK,
                archive_read_open_memory(archive, raw.baseAddress, raw.count) == ARCHIVE_OK
            else { return nil }
            var entry: OpaquePointer? = nil
            guard archive_read_next_header(archive, &entry) == ARCHIVE_OK,
                archive_filter_code(archive, 0) == ARCHIVE_FILTER_ZSTD
            else { return nil }
            var result = Data()
            var block = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = block.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
                if count == 0 { return result }
                guard count > 0, result.count + count <= limit else { return nil }
                result.append(contentsOf: block.prefix(count))
            }
        }
    }
}
