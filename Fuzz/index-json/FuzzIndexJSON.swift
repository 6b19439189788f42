import Foundation
import FuzzDriver
import RailyardCore

// The index.json reader is internal to RailyardChannel: it is reached with @testable import,
// in builds compiled for testing (debug, and script/fuzz's -enable-testing). A plain release
// build replays through the package-level repodata reader alone.
#if RAILYARD_FUZZ || DEBUG
    @testable import RailyardChannel
#else
    import RailyardChannel
#endif

/// Any bytes given as a package's `info/index.json` are a record or a `PackageError`, and any
/// bytes given as a `repodata.json` are records or a JSON failure: never a trap.
@main
enum FuzzIndexJSON {
    static func main() {
        FuzzDriver.run { data in
            #if RAILYARD_FUZZ || DEBUG
                if let record = try? PackageReader.metadata(data, fileName: "pkg-1.0-0.conda", format: .conda) {
                    precondition(record.name == "pkg")
                }
                _ = try? PackageReader.metadata(data, fileName: "pkg-1.0-0.tar.bz2", format: .tarBz2)
            #endif
            _ = try? Repodata.read(data, path: "repodata.json")
        }
    }
}
