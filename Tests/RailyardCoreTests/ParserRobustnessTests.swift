import RailyardCore
import Testing

/// Random and mutated input never crashes a parser: every string is either accepted or refused
/// with an error, and accepted specs can be matched.
@Suite("Parsers survive random input")
struct ParserRobustnessTests {
    static let alphabet: [Character] = Array("0123456789abcdefzrcpostdevABCRC.._-+!*=<>~,|()^$@[]:'\" \t#é\u{0}/\\")

    static func randomString(using generator: inout SplitMix64, maxLength: Int = 24) -> String {
        let length = Int(generator.next() % UInt64(maxLength + 1))
        var text = ""
        for _ in 0..<length {
            text.append(alphabet[Int(generator.next() % UInt64(alphabet.count))])
        }
        return text
    }

    static func mutate(_ text: String, using generator: inout SplitMix64) -> String {
        var characters = Array(text)
        for _ in 0..<(1 + Int(generator.next() % 3)) {
            let position = characters.isEmpty ? 0 : Int(generator.next() % UInt64(characters.count + 1))
            let character = alphabet[Int(generator.next() % UInt64(alphabet.count))]
            switch generator.next() % 3 {
            case 0: characters.insert(character, at: position)
            case 1 where position < characters.count: characters.remove(at: position)
            default:
                if position < characters.count { characters[position] = character }
            }
        }
        return String(characters)
    }

    @Test("100,000 random strings through Version, VersionSpec and MatchSpec")
    func randomStrings() throws {
        var generator = SplitMix64(seed: 0xC0DA)
        let probe = try Version("1.2.3")
        var accepted = 0
        for _ in 0..<100_000 {
            let text = Self.randomString(using: &generator)
            if let version = try? Version(text) {
                accepted += 1
                #expect(version.compare(to: probe) == -probe.compare(to: version))
            }
            if let spec = try? VersionSpec(text) { _ = spec.matches(probe) }
            if let spec = try? MatchSpec(text) { _ = spec.matches(name: "pytorch", version: probe, build: "py3_0") }
        }
        #expect(accepted > 0)
    }

    @Test("mutations of conda's own cases")
    func mutatedCases() throws {
        var generator = SplitMix64(seed: 7)
        let seeds = CondaCases.specMatches.flatMap { [$0.spec, $0.version] } + CondaCases.invalidSpecs
        let probe = try Version("2.6.0rc1")
        for _ in 0..<20 {
            for seed in seeds {
                let text = Self.mutate(seed, using: &generator)
                _ = try? Version(text)
                if let spec = try? VersionSpec(text) { _ = spec.matches(probe) }
                if let spec = try? MatchSpec("pytorch " + text) { _ = spec.matches(name: "pytorch", version: probe) }
            }
        }
    }
}
