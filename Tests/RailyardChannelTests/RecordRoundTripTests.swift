import Foundation
import RailyardChannel
import RailyardCore
import Testing

/// A seeded generator (SplitMix64): the same records on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

@Suite("What the repodata writer emits, the channel's reader reads back identically")
struct RecordRoundTripTests {
    static let specs = [
        "python >=3.9", "numpy 1.26.*", "libgcc-ng >=12", "pytorch ==2.6.0 cuda*", "openssl >=3.0,<4.0a0",
        "python_abi 3.11.* *_cp311", "numpy=1.7=py3*_2", "conda-forge::numpy[version='>=1.7',build=py*]",
        "__glibc >=2.17", "cudatoolkit", "mkl >=2023.1,<2024.0a0", "pillow !=8.3.0",
    ]
    static let texts = [
        "BSD-3-Clause", "BSD \"3\" clause", "back\\slash\ttab\nline", "Lizenz für Ωmega 🚂", "\u{01}\u{1F}", "",
    ]

    /// A record within every bound of `PackageRecord.metadataProblem`, the bounds themselves often.
    static func record(_ random: inout SeededGenerator) -> PackageRecord {
        func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }
        func word(_ alphabet: String, _ length: ClosedRange<Int>) -> String {
            let characters = Array(alphabet)
            return String((0..<Int.random(in: length, using: &random)).map { _ in pick(characters) })
        }
        let name = word("abcxyz019_", 1...1) + word("abcdefghijklmnopqrstuvwxyz0123456789_-.", 0...20)
        let version =
            (Bool.random(using: &random) ? "1!" : "")
            + (0..<Int.random(in: 1...4, using: &random)).map { _ in String(Int.random(in: 0...9999, using: &random)) }
            .joined(separator: ".") + pick(["", "rc1", ".post1", "+local.7", "a0", "_1"])
        let build = word("abcdefpy0123456789_", 1...12) + pick(["", "_0", "+cuda", ".1"])
        let format = Bool.random(using: &random) ? PackageRecord.Format.conda : .tarBz2
        func optional(_ text: String?) -> String? { Bool.random(using: &random) ? text : nil }
        return PackageRecord(
            fileName: PackageRecord.expectedFileName(name: name, version: version, build: build, format: format),
            name: name, version: version, build: build,
            buildNumber: pick([0, 1, PackageRecord.maximumBuildNumber, Int.random(in: 0...1_000_000, using: &random)]),
            depends: (0..<Int.random(in: 0...6, using: &random)).map { _ in pick(specs) },
            constrains: (0..<Int.random(in: 0...2, using: &random)).map { _ in pick(specs) },
            subdir: pick(Subdir.known.sorted()), noarch: pick([nil, "generic", "python"]),
            license: optional(pick(texts)), licenseFamily: optional(pick(texts)), features: optional(pick(texts)),
            trackFeatures: optional(pick(texts)),
            timestamp: pick([nil, 0, PackageRecord.maximumTimestamp, 1_700_000_000_000]),
            size: pick([0, 1, Int.random(in: 0...(1 << 40), using: &random), 9_007_199_254_740_991]),
            md5: word("0123456789abcdef", 32...32), sha256: word("0123456789abcdef", 64...64))
    }

    @Test("2,000 generated records: each within the bounds, and read back equal, byte for byte when written again")
    func generated() throws {
        var random = SeededGenerator(state: 16)
        var bySubdir: [String: Repodata] = [:]
        for _ in 0..<2_000 {
            let record = Self.record(&random)
            #expect(record.metadataProblem == nil, "\(record)")
            bySubdir[record.subdir, default: Repodata(subdir: record.subdir)].records[record.fileName] = record
        }
        for (subdir, repodata) in bySubdir {
            let data = repodata.encoded()
            let read = try Repodata.read(data, path: "\(subdir)/repodata.json")
            #expect(read.subdir == subdir)
            #expect(read.records == repodata.records)
            #expect(read.encoded() == data)
        }
    }

    @Test("a record outside any bound is one the checks refuse", arguments: 0..<11)
    func outOfBounds(field: Int) throws {
        var random = SeededGenerator(state: UInt64(field))
        var record = Self.record(&random)
        switch field {
        case 0: record.buildNumber = -1
        case 1: record.buildNumber = PackageRecord.maximumBuildNumber + 1
        case 2: record.subdir = "evil-64"
        case 3: record.subdir = "repodata.json"
        case 4: record.timestamp = -1
        case 5: record.timestamp = PackageRecord.maximumTimestamp + 1
        case 6: record.depends = Array(repeating: "python", count: PackageRecord.maximumSpecs + 1)
        case 7: record.constrains = ["pytorch >=(("]
        case 8: record.version = "1.0-1"
        case 9: record.noarch = "evil"
        default: record.name = "Evil Name"
        }
        #expect(record.metadataProblem != nil, "\(record)")
    }

    @Test("real package files of both formats: their records written and read back equal")
    func realRecords() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        var files = [
            try PackageFixtures.make(in: scratch.path, "pytorch", "2.6.0", "py311_0"),
            try PackageFixtures.make(
                in: scratch.path, "torchvision", "0.21.0", "py311_1",
                ["--depends", "pytorch 2.6.0.*", "--format", "tar.bz2"]
            ),
            try PackageFixtures.make(
                in: scratch.path, "kornia", "0.7.4", "pyhd_0", subdir: "noarch",
                ["--noarch", "python", "--set", "constrains=[\"pytorch <3\"]", "--set", "license_family=\"BSD\""]),
        ]
        files.append(
            try PackageWriter.write(
                .init(name: "captum", version: "0.7.0", build: "pyhd_0", subdir: "linux-64", depends: ["pytorch"]),
                into: scratch.path, timestamp: Date(timeIntervalSince1970: 1_700_000_000)))
        var repodata: [String: Repodata] = [:]
        for file in files {
            let record = try PackageReader.read(path: file)
            #expect(record.metadataProblem == nil)
            repodata[record.subdir, default: Repodata(subdir: record.subdir)].records[record.fileName] = record
        }
        for (subdir, written) in repodata {
            let read = try Repodata.read(written.encoded(), path: subdir)
            #expect(read.records == written.records)
        }
        #expect(repodata["noarch"]?.records["kornia-0.7.4-pyhd_0.conda"]?.constrains == ["pytorch <3"])
    }

    /// Each record of a repodata file as a dictionary, by file name.
    static func records(_ data: Data) throws -> [String: NSDictionary] {
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var records: [String: NSDictionary] = [:]
        for key in ["packages", "packages.conda"] {
            for (fileName, record) in object[key] as? [String: Any] ?? [:] {
                records[fileName] = try #require(record as? NSDictionary)
            }
        }
        return records
    }

    @Test(
        "the pytorch channel's records with arch and platform (73 real ones): every field kept, key for key, when written anew"
    )
    func everyFieldOfRealRecords() throws {
        let path = PackageFixtures.fixtures.appendingPathComponent("pytorch-arch-platform-repodata.json").path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let read = try Repodata.read(data, path: path)
        #expect(read.records.count == 73)
        #expect(read.records.values.allSatisfy { $0.extra?["arch"] == .string("x86_64") })
        #expect(read.records.values.allSatisfy { $0.extra?["platform"] == .string("linux") })
        // Written anew, not copied: each record encoded from its fields.
        let fresh = Repodata(subdir: read.subdir, records: read.records)
        let original = try Self.records(data)
        let written = try Self.records(fresh.encoded())
        #expect(Set(written.keys) == Set(original.keys))
        for (fileName, record) in original {
            #expect(written[fileName] == record, "\(fileName)")
        }
        // And the real pytorch 2.1.0 records of the variants tests (linux-64: the noarch ones are
        // written from recipes), each key for key too.
        let matrix = PackageFixtures.fixtures.appendingPathComponent("pytorch-2.1.0-records.json").path
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: matrix))) as? [String: Any])
        for subdir in ["linux-64"] {
            let packages = try #require(object[subdir] as? [String: Any])
            let repodata = try JSONSerialization.data(withJSONObject: [
                "info": ["subdir": subdir], "packages": packages,
            ])
            let again = try Self.records(
                Repodata(subdir: subdir, records: try Repodata.read(repodata, path: matrix).records).encoded())
            for (fileName, record) in packages {
                #expect(again[fileName] == (record as? NSDictionary), "\(fileName)")
            }
        }
    }

    @Test(
        "a package's index.json fields Railyard does not model (arch, platform, python_site_packages_path, purls) reach its record and repodata"
    )
    func everyFieldOfAPackage() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let file = try PackageFixtures.make(
            in: scratch.path, "python", "3.13.5", "h2_0", subdir: "linux-64",
            [
                "--set", "arch=\"x86_64\"", "--set", "platform=\"linux\"",
                "--set", "python_site_packages_path=\"lib/python3.13/site-packages\"",
                "--set", "purls=[\"pkg:pypi/python\"]", "--set", "size=1", "--set", "md5=\"not the file's\"",
            ])
        let record = try PackageReader.read(path: file)
        #expect(
            record.extra == [
                "arch": .string("x86_64"), "platform": .string("linux"),
                "python_site_packages_path": .string("lib/python3.13/site-packages"),
                "purls": .array([.string("pkg:pypi/python")]),
            ])
        // The file's own size and digests, never the metadata's.
        #expect(record.size > 1 && record.md5.count == 32)
        let repodata = Repodata(subdir: "linux-64", records: [record.fileName: record])
        let written = try #require(try Self.records(repodata.encoded())[record.fileName])
        #expect(written["python_site_packages_path"] as? String == "lib/python3.13/site-packages")
        #expect(written["arch"] as? String == "x86_64")
        #expect(written["purls"] as? [String] == ["pkg:pypi/python"])
        #expect(try Repodata.read(repodata.encoded(), path: "x").records[record.fileName] == record)
    }
}
