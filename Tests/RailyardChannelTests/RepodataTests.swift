import Foundation
import RailyardChannel
import RailyardCore
import Testing

@Suite("Repodata: read as conda writes it, written as conda reads it")
struct RepodataTests {
    static func record(_ fileName: String, name: String, license: String? = "BSD-3-Clause") -> PackageRecord {
        PackageRecord(
            fileName: fileName, name: name, version: "1.0", build: "py_0", buildNumber: 3,
            depends: ["python >=3.9", "pytorch >=2.6,<2.7"], constrains: ["cudatoolkit >=11.8"], subdir: "noarch",
            noarch: "python", license: license, timestamp: 1_700_000_000_000, size: 1234, md5: "abc",
            sha256: String(repeating: "0", count: 64))
    }

    @Test("what Railyard writes reads back equal, strings with quotes, escapes and other scripts included")
    func roundTrip() throws {
        var repodata = Repodata(subdir: "noarch")
        for (index, license) in ["BSD \"3\" clause", "back\\slash\ttab\nline", "Lizenz für Ωmega 🚂", "\u{01}"]
            .enumerated()
        {
            let file = "pkg\(index)-1.0-py_0.\(index % 2 == 0 ? "conda" : "tar.bz2")"
            repodata.records[file] = Self.record(file, name: "pkg\(index)", license: license)
        }
        let data = repodata.encoded()
        let read = try Repodata.read(data, path: "repodata.json")
        #expect(read == repodata)
        // Foundation reads it as the same JSON too: conda's formats, in their places.
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((object["packages"] as? [String: Any])?.count == 2)
        #expect((object["packages.conda"] as? [String: Any])?.count == 2)
        #expect(object["repodata_version"] as? Int == 1)
        #expect((object["info"] as? [String: Any])?["subdir"] as? String == "noarch")
        // Written again unchanged, the bytes are the same; a changed record is encoded anew.
        #expect(read.encoded() == data)
        var changed = read
        changed.records["pkg0-1.0-py_0.conda"]?.license = "MIT"
        let again = try Repodata.read(changed.encoded(), path: "repodata.json")
        #expect(again.records["pkg0-1.0-py_0.conda"]?.license == "MIT")
        #expect(again == changed)
    }

    @Test("repodata written elsewhere: indentation, unknown keys, noarch as true, escapes")
    func foreign() throws {
        let text = #"""
            {
              "info": {"subdir": "linux-64", "base_url": null},
              "packages": {
                "a-1.0-0.tar.bz2": {
                  "name": "a", "version": "1.0", "build": "0", "build_number": 0, "depends": [],
                  "subdir": "linux-64", "size": 10, "md5": "m", "sha256": "s", "noarch": true,
                  "arch": "x86_64", "platform": "linux", "license": "caf\u00e9 \ud83d\ude82", "timestamp": 1.7e12
                }
              },
              "packages.conda": {},
              "removed": ["old-1.0-0.tar.bz2"],
              "repodata_version": 1
            }
            """#
        let repodata = try Repodata.read(Data(text.utf8), path: "repodata.json")
        let record = try #require(repodata.records["a-1.0-0.tar.bz2"])
        #expect(repodata.subdir == "linux-64")
        #expect(record.noarch == "generic")
        #expect(record.license == "café 🚂")
        #expect(record.timestamp == 1_700_000_000_000)
    }

    @Test(
        "malformed repodata is refused with the place named",
        arguments: [
            #"{"info": {"subdir": "noarch"}, "packages": {},}"#,
            #"{"info": {"subdir": "noarch"}, "packages": {"a": {"name": "a"}}}"#,
            #"{"info": {"subdir": "noarch"}, "packages": {"a": "x"}}"#,
            #"{"info": {"subdir": "noarch"}} trailing"#,
            #"{"info": {"subdir": "no\arch"}}"#,
            #"{"info": {"subdir": "noarch"#,
            #"{"packages": {}}"#,
            #"[1, 2]"#,
            "",
        ])
    func malformed(text: String) {
        #expect(throws: ChannelError.self) { try Repodata.read(Data(text.utf8), path: "x/repodata.json") }
        do {
            _ = try Repodata.read(Data(text.utf8), path: "x/repodata.json")
        } catch {
            #expect(error.description.hasPrefix("x/repodata.json: "))
        }
    }
}
