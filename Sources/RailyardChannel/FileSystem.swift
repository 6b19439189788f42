import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few POSIX calls the channel needs to be crash-safe: durable writes, atomic renames,
/// hard links, symbolic links and an advisory lock. Each failure names the path.
enum FileSystem {
    static func reason() -> String { String(cString: strerror(errno)) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// When the file was last modified, in seconds since 1970 (nil when it cannot be read).
    static func modificationTime(_ path: String) -> Double? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
    }

    static func fileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    static func makeDirectory(_ path: String) throws(ChannelError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .io(path: path, message: reason()) }
    }

    static func makeDirectories(_ path: String) throws(ChannelError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .io(path: path, message: "cannot create the directory")
        }
    }

    static func list(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    static func read(_ path: String) throws(ChannelError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(path: path, message: exists(path) ? "cannot be read" : "no such file")
        }
        return data
    }

    /// Makes everything written to `path` (a file or a directory's entries) durable.
    static func sync(_ path: String) throws(ChannelError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .io(path: path, message: reason()) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io(path: path, message: reason()) }
    }

    /// The name of the temporary file a write of `path` goes through: `PATH.tmp-PID`.
    static func temporary(for path: String) -> String { path + ".tmp-\(getpid())" }

    /// The process id of a temporary file's name (`NAME.tmp-PID`), or nil when it is not one.
    static func temporaryOwner(_ fileName: String) -> Int32? {
        guard let marker = fileName.range(of: ".tmp-", options: .backwards) else { return nil }
        let digits = fileName[marker.upperBound...]
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int32(digits)
    }

    /// Whether the process `pid` is alive (a process of another user counts as alive).
    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// Writes `data` to `path` so that a reader sees the old file or the new one, never a part:
    /// a temporary file beside it, flushed, then renamed over it. On any failure the temporary
    /// file is removed and the error names `path` with the system's reason.
    static func writeAtomically(_ data: Data, to path: String) throws(ChannelError) {
        let temporary = temporary(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(path: path, message: "cannot be written: \(reason())") }
        var failure: String? = nil
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = reason()
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = reason() }
        if close(descriptor) != 0 && failure == nil { failure = reason() }
        if let failure {
            unlink(temporary)
            throw .io(path: path, message: "cannot be written: \(failure)")
        }
        try renameOrRemove(temporary, to: path)
    }

    /// Copies `source` to `path` durably (temporary file, flush, rename). On any failure the
    /// temporary file is removed; the error names the file that could not be written (or read)
    /// with the system's reason, such as "No space left on device".
    static func copy(_ source: String, to path: String) throws(ChannelError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .io(path: source, message: "cannot be read: \(reason())") }
        defer { close(input) }
        let temporary = temporary(for: path)
        unlink(temporary)
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else {
            throw .io(path: path, message: "cannot be written (copying \(source)): \(reason())")
        }
        var failure: ChannelError? = nil
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        copying: while true {
            let count = Glibc.read(input, buffer, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                failure = .io(path: source, message: "cannot be read: \(reason())")
                break
            }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = write(output, buffer + offset, count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .io(path: path, message: "cannot be written (copying \(source)): \(reason())")
                    break copying
                }
                offset += written
            }
        }
        if failure == nil && fsync(output) != 0 {
            failure = .io(path: path, message: "cannot be written (copying \(source)): \(reason())")
        }
        if close(output) != 0 && failure == nil {
            failure = .io(path: path, message: "cannot be written (copying \(source)): \(reason())")
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        try renameOrRemove(temporary, to: path)
    }

    /// Renames a temporary file over `path`, removing it if the rename fails.
    private static func renameOrRemove(_ temporary: String, to path: String) throws(ChannelError) {
        guard Glibc.rename(temporary, path) == 0 else {
            let failure = reason()
            unlink(temporary)
            throw .io(path: path, message: "cannot be replaced: \(failure)")
        }
    }

    static func rename(_ from: String, to: String) throws(ChannelError) {
        guard Glibc.rename(from, to) == 0 else { throw .io(path: to, message: reason()) }
    }

    static func link(_ source: String, _ destination: String) throws(ChannelError) {
        guard Glibc.link(source, destination) == 0 else {
            throw .io(path: destination, message: "cannot link \(source): \(reason())")
        }
    }

    static func symlink(_ target: String, at path: String) throws(ChannelError) {
        guard Glibc.symlink(target, path) == 0 else { throw .io(path: path, message: reason()) }
    }

    /// Points the symbolic link `path` at `target` in one step (a new link renamed over it).
    static func replaceSymlink(_ path: String, target: String) throws(ChannelError) {
        let temporary = temporary(for: path)
        unlink(temporary)
        try symlink(target, at: temporary)
        try renameOrRemove(temporary, to: path)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        buffer[count] = 0
        return String(cString: buffer)
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

}

/// An exclusive advisory lock on a file, held while the value lives (and released by the
/// kernel if the process dies).
final class FileLock {
    private let descriptor: Int32

    init(_ path: String) throws(ChannelError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(path: path, message: FileSystem.reason()) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(descriptor)
                throw .io(path: path, message: FileSystem.reason())
            }
        }
    }

    deinit { close(descriptor) }
}
