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

    /// Writes `data` to `path` so that a reader sees the old file or the new one, never a part:
    /// a temporary file beside it, flushed, then renamed over it.
    static func writeAtomically(_ data: Data, to path: String) throws(ChannelError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw .io(path: temporary, message: reason()) }
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
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw .io(path: path, message: failure)
        }
        try rename(temporary, to: path)
    }

    /// Copies `source` to `path` durably (temporary file, flush, rename).
    static func copy(_ source: String, to path: String) throws(ChannelError) {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
        } catch {
            throw .io(path: source, message: "cannot be copied into the channel")
        }
        try sync(temporary)
        try rename(temporary, to: path)
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
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        try symlink(target, at: temporary)
        try rename(temporary, to: path)
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
