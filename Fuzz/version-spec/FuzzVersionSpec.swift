import Foundation
import FuzzDriver
import RailyardCore

/// Any text is a version spec or a `VersionSpecError`; a spec matches versions without a trap.
@main
enum FuzzVersionSpec {
    static func main() {
        let versions = ["2.6.0", "1.7.1", "2.6.0rc1", "1!2.0+local", "18446744073709551616.0"].map { try! Version($0) }
        FuzzDriver.run { data in
            let text = String(decoding: data, as: UTF8.self)
            guard let spec = try? VersionSpec(text) else { return }
            for version in versions { _ = spec.matches(version) }
            if let prefix = String(text.prefix(16)).nilIfEmpty, let version = try? Version(prefix) {
                _ = spec.matches(version)
            }
            _ = spec.isExact
        }
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
