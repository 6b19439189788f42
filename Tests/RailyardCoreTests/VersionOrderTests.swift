import RailyardCore
import Testing

@Suite("Version: ordering, equality and startswith as conda's VersionOrder")
struct VersionOrderTests {
    @Test("each chain from conda's tests and the PyTorch history is ascending", arguments: CondaCases.orderedChains)
    func chainIsAscending(_ chain: OrderedChain) throws {
        let groups = try chain.groups.map { group in try group.map { try Version($0) } }
        for (index, group) in groups.enumerated() {
            for left in group {
                for right in group {
                    #expect(left == right, "\(left) == \(right)")
                    #expect(left.hashValue == right.hashValue, "hash(\(left)) == hash(\(right))")
                    #expect(!(left < right), "!(\(left) < \(right))")
                }
                for later in groups[(index + 1)...] {
                    for right in later {
                        #expect(left < right, "\(left) < \(right)")
                        #expect(right > left, "\(right) > \(left)")
                        #expect(left != right, "\(left) != \(right)")
                    }
                }
            }
        }
    }

    @Test("sorting a shuffled chain restores conda's order", arguments: CondaCases.orderedChains)
    func sortingRestoresChain(_ chain: OrderedChain) throws {
        var generator = SplitMix64(seed: UInt64(chain.name.utf8.count))
        let flat = chain.groups.flatMap { $0 }
        let shuffled = try flat.shuffled(using: &generator).map { try Version($0) }
        let sorted = shuffled.sorted()
        var position = 0
        for group in chain.groups {
            let slice = sorted[position..<(position + group.count)].map(\.description)
            #expect(Set(slice) == Set(group.map { $0.trimmingSpaces }), "\(chain.name) at \(position)")
            position += group.count
        }
    }

    @Test("conda holds these equal, and they hash alike", arguments: CondaCases.equalPairs)
    func equal(_ pair: VersionPair) throws {
        let left = try Version(pair.left)
        let right = try Version(pair.right)
        #expect(left == right)
        #expect(left.hashValue == right.hashValue)
        #expect(left.compare(to: right) == 0)
        #expect(!(left < right) && !(right < left))
    }

    @Test("conda holds these different", arguments: CondaCases.unequalPairs)
    func unequal(_ pair: VersionPair) throws {
        let left = try Version(pair.left)
        let right = try Version(pair.right)
        #expect(left != right)
        #expect((left < right) != (right < left))
    }

    @Test("startswith, the relation behind .* and =", arguments: CondaCases.startsWith)
    func startsWith(_ testCase: StartsWithCase) throws {
        let version = try Version(testCase.version)
        let prefix = try Version(testCase.prefix)
        #expect(version.starts(with: prefix) == testCase.expected)
    }

    @Test("strings conda refuses are refused", arguments: CondaCases.invalidVersions)
    func refused(_ text: String) {
        #expect(throws: VersionError.self) { try Version(text) }
    }

    @Test(
        "a refusal says why",
        arguments: [
            ("", VersionError.Reason.empty),
            ("   ", .empty),
            ("3.5&1", .invalidCharacter("&")),
            ("1.0-1_2", .invalidCharacter("-")),
            ("1.0 2", .invalidCharacter(" ")),
            ("é1", .invalidCharacter("é")),
            ("a!1.0", .epochNotInteger("a")),
            ("!1.0", .epochNotInteger("")),
            ("1!2!3", .duplicateEpochSeparator),
            ("5.5++", .duplicateLocalSeparator),
            ("+1.0", .missingVersionBeforeLocal),
            ("1!", .missingVersionAfterEpoch),
            ("5.5..mw", .emptyComponent),
            ("1.", .emptyComponent),
            ("1.0+", .emptyComponent),
        ] as [(String, VersionError.Reason)]
    )
    func refusalReason(_ text: String, _ reason: VersionError.Reason) {
        #expect(throws: VersionError(input: text, reason: reason)) { try Version(text) }
    }

    @Test("the message names the input and the rule")
    func refusalMessage() {
        #expect(
            VersionError(input: "3.5&1", reason: .invalidCharacter("&")).description
                == "invalid version \"3.5&1\": invalid character \"&\" (a version may contain only letters,"
                + " digits and . _ + ! *, or - where it has no _)"
        )
    }

    @Test("description keeps the text as written; normalized is conda's form")
    func descriptionAndNormalized() throws {
        let version = try Version("  0.4.1.RC  ")
        #expect(version.description == "0.4.1.RC")
        #expect(version.normalized == "0.4.1.rc")
        #expect(try Version("0.5-5").normalized == "0.5_5")
        #expect(try Version("1!2.0+CU121").normalized == "1!2.0+cu121")
    }

    @Test("non-ASCII case folds as Python's str.lower does")
    func unicodeLowercasing() throws {
        // U+212A KELVIN SIGN lower-cases to ASCII "k" in Python, so conda accepts it.
        #expect(try Version("1.0\u{212A}") == Version("1.0k"))
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}

/// A small deterministic random source, so a failing shuffle can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
