import Foundation
import FuzzDriver
import RailyardCore

/// Any text is a match spec or a `MatchSpecError`; a spec matches packages without a trap.
@main
enum FuzzMatchSpec {
    static func main() {
        let version = try! Version("2.6.0")
        FuzzDriver.run { data in
            let text = String(decoding: data, as: UTF8.self)
            guard let spec = try? MatchSpec(text) else { return }
            _ = spec.matches(name: "pytorch", version: version, build: "py311_cuda12_0", buildNumber: 0)
            _ = spec.matches(name: text, version: version, build: text)
            _ = spec.hashValue
        }
    }
}
