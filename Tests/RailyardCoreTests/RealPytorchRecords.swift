import Foundation
import RailyardCore

/// The real pytorch-channel records of the torch 2.1.0 release (`Tests/Fixtures/pytorch-2.1.0-records.json`,
/// from conda/rattler's test data; its `origin` names the source).
enum RealPytorchRecords {
    /// Every record of the fixture, linux-64 and noarch.
    static let all: [PackageRecord] = {
        let url = Fixtures.directory.appendingPathComponent("pytorch-2.1.0-records.json")
        guard let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { fatalError("cannot read \(url.path)") }
        var records: [PackageRecord] = []
        for subdir in ["linux-64", "noarch"] {
            for (file, value) in (object[subdir] as? [String: [String: Any]] ?? [:]).sorted(by: { $0.key < $1.key }) {
                records.append(
                    PackageRecord(
                        fileName: file, name: value["name"] as! String, version: value["version"] as! String,
                        build: value["build"] as! String, buildNumber: value["build_number"] as! Int,
                        depends: value["depends"] as? [String] ?? [],
                        constrains: value["constrains"] as? [String] ?? [],
                        subdir: subdir, noarch: value["noarch"] as? String, license: value["license"] as? String,
                        timestamp: value["timestamp"] as? Int, size: value["size"] as? Int ?? 0,
                        md5: value["md5"] as? String ?? "", sha256: value["sha256"] as? String ?? file))
            }
        }
        return records
    }()

    static func records(_ name: String) -> [PackageRecord] { all.filter { $0.name == name } }

    static func record(_ file: String) -> PackageRecord { all.first { $0.fileName == file }! }
}
