import Foundation
import FuzzDriver
import RailyardCore

@testable import RailyardChannel

/// Any bytes given as a package's `info/index.json` are a record or a `PackageError`, and any
/// bytes given as a `repodata.json` are records or a JSON failure: never a trap.
@main
enum FuzzIndexJSON {
    static func main() {
        FuzzDriver.run { data in
            if let record = try? PackageReader.metadata(data, fileName: "pkg-1.0-0.conda", format: .conda) {
                precondition(record.name == "pkg")
            }
            _ = try? PackageReader.metadata(data, fileName: "pkg-1.0-0.tar.bz2", format: .tarBz2)
            _ = try? JSONReader.repodata(data)
        }
    }
}
