import Foundation
import RailyardChannel
import RailyardCore
import Testing

@Suite("PackageReader: what enters a label is what conda would read, within one budget per file")
struct PackageReaderTests {
    /// A package condapkg.py makes, and the refusal it must meet: the code and a part of the sentence.
    struct Hostile: Sendable, CustomStringConvertible {
        var arguments: [String]
        var subdir = "linux-64"
        var name = "pytorch"
        var code: String
        var message: String
        var description: String { (arguments + [subdir]).joined(separator: " ") }
    }

    static let hostile: [Hostile] = [
        // 12: one budget for the whole file, however many tarballs it holds.
        Hostile(arguments: ["--hostile", "split-bomb"], code: "package-too-large", message: "a zip bomb?"),
        // 15: members conda-package-streaming would not read the way Railyard does.
        Hostile(arguments: ["--hostile", "twenty"], code: "ambiguous-metadata", message: "holds only info-pytorch"),
        Hostile(arguments: ["--hostile", "second-info"], code: "ambiguous-metadata", message: "'info-zzz.tar.zst'"),
        Hostile(arguments: ["--hostile", "duplicate-info"], code: "ambiguous-metadata", message: "twice"),
        Hostile(
            arguments: ["--hostile", "foreign-info"], code: "ambiguous-metadata", message: "'info-other-1.0-0.tar.zst'"),
        Hostile(
            arguments: ["--hostile", "info-in-pkg"], code: "ambiguous-metadata", message: "holds 'info/index.json'"),
        Hostile(arguments: ["--hostile", "double-index"], code: "ambiguous-metadata", message: "index.json twice"),
        Hostile(
            arguments: ["--hostile", "double-index", "--format", "tar.bz2"], code: "ambiguous-metadata",
            message: "index.json twice"),
        Hostile(arguments: ["--hostile", "plain-tar"], code: "wrong-compression", message: "is not zstd-compressed"),
        Hostile(
            arguments: ["--hostile", "plain-tar", "--format", "tar.bz2"], code: "wrong-compression",
            message: "is not bzip2-compressed"),
        Hostile(arguments: ["--hostile", "symlink-chain"], code: "unsafe-entry", message: "lib/escape -> up/../etc"),
        Hostile(
            arguments: ["--hostile", "symlink-chain", "--format", "tar.bz2"], code: "unsafe-entry",
            message: "followed through the package's links"),
        Hostile(arguments: ["--hostile", "link-dotdot"], code: "unsafe-entry", message: "written through a linked"),
        Hostile(
            arguments: ["--hostile", "hardlink", "--format", "tar.bz2"], code: "unsafe-entry",
            message: "lib/passwd => ../../etc/passwd"),
        Hostile(arguments: ["--hostile", "fifo"], code: "unsupported-entry", message: "'lib/fifo' is a FIFO"),
        Hostile(
            arguments: ["--hostile", "chardev", "--format", "tar.bz2"], code: "unsupported-entry",
            message: "is a character device"),
        Hostile(arguments: ["--hostile", "blockdev"], code: "unsupported-entry", message: "is a block device"),
        // 4: fields the channel's reader would refuse back, or conda would read otherwise.
        Hostile(arguments: ["--set", "build_number=-1"], code: "bad-metadata", message: "build_number -1 is not in"),
        Hostile(
            arguments: ["--set", "build_number=2147483648"], code: "bad-metadata",
            message: "build_number 2147483648 is not in 0...2147483647"),
        Hostile(
            arguments: ["--set", "build_number=100000000000000000000"], code: "bad-metadata",
            message: "is not in 0...2147483647"),
        Hostile(arguments: ["--set", "build_number=1.5"], code: "bad-metadata", message: "must be an integer"),
        Hostile(arguments: ["--set", "build_number=true"], code: "bad-metadata", message: "must be an integer"),
        Hostile(arguments: [], subdir: "evil-64", code: "bad-metadata", message: "'evil-64' is not a conda subdir"),
        Hostile(arguments: [], subdir: "repodata.json", code: "bad-metadata", message: "is not a conda subdir"),
        Hostile(arguments: ["--set", "noarch=\"evil\""], code: "bad-metadata", message: "noarch 'evil'"),
        Hostile(arguments: ["--set", "timestamp=-5"], code: "bad-metadata", message: "timestamp -5 is not in"),
        Hostile(
            arguments: ["--set", "timestamp=1e300"], code: "bad-metadata", message: "is not in 0...253402300799999"),
        Hostile(arguments: ["--set", "depends=[\"pytorch >=((\"]"], code: "bad-metadata", message: "depends 'pytorch"),
        Hostile(arguments: ["--set", "constrains=[\"==\"]"], code: "bad-metadata", message: "constrains '=='"),
        Hostile(arguments: [], name: "PyTorch", code: "bad-metadata", message: "name 'PyTorch' is not a package name"),
        // 13: a bounded count of specs.
        Hostile(
            arguments: ["--depends-count", "120001"], code: "too-many-specs",
            message: "'depends' lists 120001 specs, more than the 5000"),
    ]

    @Test("a hostile or unsound package file is refused with a specific code that names the file", arguments: hostile)
    func refused(_ case: Hostile) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let file = try PackageFixtures.make(
            in: scratch.path + "/in", `case`.name, subdir: `case`.subdir, `case`.arguments)
        let start = Date()
        do {
            let record = try PackageReader.read(path: file)
            Issue.record("accepted: \(record)")
        } catch {
            #expect(error.code == `case`.code, "\(error)")
            #expect(error.description.hasPrefix((file as NSString).lastPathComponent + ": "))
            #expect(error.description.contains(`case`.message), "\(error)")
        }
        // Refused in bounded time: the budget and the limits stop the work early.
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test("a package at every bound is accepted, and read as conda reads it")
    func bounds() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let file = try PackageFixtures.make(
            in: scratch.path, "kornia", "0.7.4", "pyhd_0", subdir: "noarch",
            [
                "--set", "build_number=2147483647", "--set", "noarch=true", "--set", "timestamp=253402300799999",
                "--depends-count", String(PackageRecord.maximumSpecs - 1), "--depends", "pytorch >=2.6,<2.7",
            ])
        let record = try PackageReader.read(path: file)
        #expect(record.buildNumber == PackageRecord.maximumBuildNumber)
        #expect(record.noarch == "generic")
        #expect(record.timestamp == PackageRecord.maximumTimestamp)
        #expect(record.depends.count == PackageRecord.maximumSpecs)
        #expect(record.metadataProblem == nil)
        let tarball = try PackageFixtures.make(
            in: scratch.path, "captum", "0.7.0", "pyhd_0", subdir: "noarch",
            ["--format", "tar.bz2", "--noarch", "python", "--set", "build_number=0"])
        #expect(try PackageReader.read(path: tarball).noarch == "python")
        // A field nested deeper than a repodata record can hold is refused, naming it: it would
        // make the whole label unreadable.
        let nested = String(repeating: "[", count: 62) + String(repeating: "]", count: 62)
        let deep = try PackageFixtures.make(in: scratch.path, "deep", "1.0", "0", ["--set", "extra_nesting=\(nested)"])
        do {
            _ = try PackageReader.read(path: deep)
            Issue.record("a record the repodata reader cannot read back was accepted")
        } catch {
            #expect(
                error.description.contains("'extra_nesting' nests 62 levels deep; a repodata record takes at most 61"))
        }
        // A .conda without metadata.json is read, as conda-package-handling and rattler read it.
        let bare = try PackageFixtures.make(in: scratch.path, "timm", "1.0.11", "pyhd_0", ["--hostile", "no-metadata"])
        #expect(try PackageReader.read(path: bare).name == "timm")
    }

    @Test("a refused record never reaches a label: the label stays readable and byte-identical")
    func labelStaysReadable() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let channel = try LocalChannel(path: scratch.path + "/channel")
        let good = try PackageFixtures.make(in: scratch.path + "/in", "torchvision", "0.21.0", "py311_0")
        try channel.stage([(good, try PackageReader.read(path: good))], label: "train-2.6.0")
        let label = scratch.path + "/channel/label/train-2.6.0/linux-64/repodata.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: label))
        // A record that skipped the reader is refused where it would enter the label.
        var record = try PackageReader.read(path: good)
        for broken in [-1, PackageRecord.maximumBuildNumber + 1] {
            record.buildNumber = broken
            #expect(throws: ChannelError.self) { try channel.stage([(good, record)], label: "train-2.6.0") }
        }
        record = try PackageReader.read(path: good)
        record.subdir = "evil-64"
        #expect(throws: ChannelError.self) { try channel.stage([(good, record)], label: "train-2.6.0") }
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/channel/label/train-2.6.0/evil-64"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: label)) == before)
        #expect(try channel.snapshot(label: "train-2.6.0").subdirs["linux-64"]?.records.count == 1)
    }
}
