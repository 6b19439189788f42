/// One run inside a version component: digits, letters, or stars.
///
/// Order, as conda's `VersionOrder` has it: every text is below every number, and `post` is
/// above every number. Texts compare by character code, which puts `*` below `DEV` (how `dev` is
/// stored), `DEV` below `_`, and `_` below the letters.
package enum VersionAtom: Sendable, Hashable {
    /// A run of lower-case letters, `_` or `*`; `dev` is stored as `DEV`.
    case text(String)
    /// A run of digits that fits in 64 bits.
    case number(UInt64)
    /// A run of digits too large for 64 bits, without leading zeros.
    case bigNumber(String)
    /// The text `post`, which sorts above every number.
    case post

    /// The implicit filler: a missing atom or component counts as zero.
    static let zero = VersionAtom.number(0)

    private var rank: Int {
        switch self {
        case .text: 0
        case .number, .bigNumber: 1
        case .post: 2
        }
    }

    /// Three-way comparison in conda's order.
    static func compare(_ left: VersionAtom, _ right: VersionAtom) -> Int {
        switch (left, right) {
        case (.number(let a), .number(let b)):
            return a == b ? 0 : (a < b ? -1 : 1)
        case (.text(let a), .text(let b)):
            return a == b ? 0 : (a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1)
        case (.number, .bigNumber):
            return -1
        case (.bigNumber, .number):
            return 1
        case (.bigNumber(let a), .bigNumber(let b)):
            if a.utf8.count != b.utf8.count { return a.utf8.count < b.utf8.count ? -1 : 1 }
            return a == b ? 0 : (a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1)
        case (.post, .post):
            return 0
        default:
            return left.rank < right.rank ? -1 : 1
        }
    }
}

extension VersionAtom: CustomStringConvertible {
    package var description: String {
        switch self {
        case .text(let text): text
        case .number(let number): String(number)
        case .bigNumber(let digits): digits
        case .post: "post"
        }
    }
}
