import Foundation
import FuzzDriver
import RailyardCore

/// Any text is a version or a `VersionError`; a version compares with itself and its own
/// normalized form, and its derived versions exist.
@main
enum FuzzVersion {
    static func main() {
        let probe = try! Version("2.6.0")
        FuzzDriver.run { data in
            let text = String(decoding: data, as: UTF8.self)
            guard let version = try? Version(text) else { return }
            precondition(version.compare(to: version) == 0)
            precondition(version.compare(to: probe) == -probe.compare(to: version))
            if let again = try? Version(version.normalized) { precondition(again == version) }
            _ = version.nextBugfix
            _ = version.leadingNumbers
            _ = version.leadingNumbersFit
            _ = version.hashValue
        }
    }
}
