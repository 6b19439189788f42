import Foundation
import RailyardChannel
import RailyardCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Temporary files: removed on failure, swept when their process is gone, never a channel file")
struct TemporaryFileTests {
    /// The id of a process that has exited.
    static func deadProcess() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test("leftovers of a killed stage are not problems for verify, and the next stage or index removes them")
    func leftoversSwept() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let root = scratch.path + "/channel"
        let channel = try LocalChannel(path: root)
        let first = try PackageFixtures.make(in: scratch.path + "/in", "torchvision", "0.21.0", "py311_0")
        try channel.stage([(first, try PackageReader.read(path: first))], label: "train-2.6.0")
        #expect(channel.verify() == [])
        // What a SIGKILL in the middle of a copy and of a repodata write leaves behind.
        let dead = try Self.deadProcess()
        let leftovers = [
            "label/train-2.6.0/linux-64/kornia-0.7.4-pyhd_0.conda.tmp-\(dead)",
            "label/train-2.6.0/linux-64/repodata.json.tmp-\(dead)",
            "noarch/repodata.json.tmp-\(dead)", ".main.tmp-\(dead)",
        ]
        for file in leftovers { try Data("partial".utf8).write(to: URL(fileURLWithPath: root + "/" + file)) }
        // A write in flight of a live process (pid 1) is left alone.
        let live = "label/train-2.6.0/linux-64/repodata.json.tmp-1"
        try Data("in flight".utf8).write(to: URL(fileURLWithPath: root + "/" + live))
        #expect(channel.verify() == [])
        #expect(Set(channel.temporaryFiles().map(\.file)) == Set(leftovers + [live]))

        let second = try PackageFixtures.make(in: scratch.path + "/in", "kornia", "0.7.4", "pyhd_0", subdir: "noarch")
        try channel.stage([(second, try PackageReader.read(path: second))], label: "train-2.6.0")
        #expect(channel.temporaryFiles().map(\.file) == [live])
        #expect(channel.verify() == [])

        try Data("partial".utf8).write(to: URL(fileURLWithPath: root + "/noarch/repodata.json.tmp-\(dead)"))
        _ = try channel.index(committed: { _ in true })
        #expect(channel.temporaryFiles().map(\.file) == [live])
        #expect(channel.verify() == [])
    }

    /// Whether this process may mount a tmpfs (root, or CAP_SYS_ADMIN), as the full-disk test needs.
    static let canMount: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-mount-\(UUID())").path
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? PackageFixtures.run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]))?.status == 0 else {
            return false
        }
        _ = try? PackageFixtures.run("umount", [probe])
        return true
    }()

    @Test(
        "a full disk: the error names the file in the channel and says 'No space left on device'; nothing is left",
        .enabled(
            if: canMount || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs to mount a tmpfs (root or CAP_SYS_ADMIN); CI runs the tests as root"))
    func fullDisk() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let mountPoint = scratch.path + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try PackageFixtures.run("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "cannot mount a tmpfs: \(mounted.stderr)")
        defer { _ = try? PackageFixtures.run("umount", [mountPoint]) }
        let root = mountPoint + "/channel"
        let channel = try LocalChannel(path: root)
        let small = try PackageFixtures.make(in: scratch.path + "/in", "kornia", "0.7.4", "pyhd_0", subdir: "noarch")
        try channel.stage([(small, try PackageReader.read(path: small))], label: "train-2.6.0")
        let before = ScratchFolder.files(under: root)
        // 1 MiB of random bytes: more than the tmpfs holds.
        let large = try PackageFixtures.make(
            in: scratch.path + "/in", "torchvision", "0.21.0", "py311_0", ["--payload-bytes", "1048576"])
        do {
            try channel.stage([(large, try PackageReader.read(path: large))], label: "train-2.6.0")
            Issue.record("staged onto a full disk")
        } catch {
            let message = "\(error)"
            #expect(
                message.contains(root + "/label/train-2.6.0/linux-64/torchvision-0.21.0-py311_0.conda"), "\(message)")
            #expect(message.contains("No space left on device"), "\(message)")
            #expect((error as? ChannelError)?.code == "channel-io")
        }
        #expect(channel.temporaryFiles().isEmpty)
        let after = ScratchFolder.files(under: root)
        // No file changed (the new subdir's folder may remain, empty).
        #expect(after == before)
        #expect(channel.verify() == [])
    }
}
