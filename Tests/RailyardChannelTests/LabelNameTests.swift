import Foundation
import RailyardChannel
import Testing

/// Label names as CEP 26 ("Identifying Packages and Channels") allows them, checked where a
/// label is made: a staging label, or any label a file is put on.
@Suite("label names: CEP 26")
struct LabelNameTests {
    static let valid = [
        "train-2.6.0", "train-2.6.0-2", "broken", "rc", "dev_1.x", "A", String(repeating: "a", count: 128),
    ]
    static let invalid = [
        "2024", "-x", ".hidden", "_x", "nolabel", "linux-64", "noarch", "a/b", "a b", "ü", "",
        String(repeating: "a", count: 129),
    ]

    @Test(
        "a letter first, then letters, digits, '.', '_' and '-', at most 128; not nolabel nor a subdir",
        arguments: valid + invalid)
    func label(_ name: String) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let channel = try LocalChannel(path: scratch.path)
        do {
            try channel.checkStaging([], label: name)
            #expect(Self.valid.contains(name), "'\(name)' was accepted")
        } catch {
            #expect(Self.invalid.contains(name), "'\(name)' was refused: \(error)")
            #expect(error.code == "bad-label")
            #expect(error.description.contains("CEP 26 wants a letter first"))
        }
    }
}
