/// One run inside a version component (digits, letters or stars), or the header that starts a
/// component, stored as plain data so that comparing versions copies no references.
///
/// Order, as conda's `VersionOrder` has it: every text is below every number, and `post` is
/// above every number. Texts compare by character code, which puts `*` below `DEV` (how `dev` is
/// stored), `DEV` below `_`, and `_` below the letters.
struct VersionAtom: Sendable {
    enum Kind: UInt8 {
        /// Starts a component; `payload` is the number of atoms in it.
        case header
        /// Letters, `_` or `*`; `payload` holds the first 8 bytes, big-endian, zero-padded.
        case text
        /// Digits that fit in 64 bits; `payload` is the value.
        case number
        /// Digits beyond 64 bits; the digits (no leading zeros) are in the version's overflow.
        case bigNumber
        /// The text `post`.
        case post
    }

    var kind: Kind
    /// Byte length of a text (capped at 255); a text longer than 8 bytes is also in the overflow.
    var length: UInt8
    /// Index into the version's overflow strings, for long texts and big numbers.
    var overflow: UInt32
    var payload: UInt64

    static let zero = VersionAtom(kind: .number, length: 0, overflow: 0, payload: 0)

    static func header(count: Int) -> VersionAtom {
        VersionAtom(kind: .header, length: 0, overflow: 0, payload: UInt64(count))
    }

    static func number(_ value: UInt64) -> VersionAtom {
        VersionAtom(kind: .number, length: 0, overflow: 0, payload: value)
    }

    static let post = VersionAtom(kind: .post, length: 0, overflow: 0, payload: 0)

    /// Packs the first 8 bytes big-endian, so that comparing payloads compares the texts
    /// (version texts never hold a zero byte).
    static func packed(_ bytes: some Collection<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        var count = 0
        for byte in bytes.prefix(8) {
            value = value << 8 | UInt64(byte)
            count += 1
        }
        return count == 0 ? 0 : value << (8 * UInt64(8 - count))
    }

    @inline(__always)
    var rank: Int {
        switch kind {
        case .text: 0
        case .number, .bigNumber: 1
        case .post: 2
        case .header: 3
        }
    }

    @inline(__always)
    var isZero: Bool { kind == .number && payload == 0 }

    /// Three-way comparison in conda's order; `left` and `right` hold each side's long texts and
    /// big numbers.
    @inline(__always)
    static func compare(_ a: VersionAtom, _ b: VersionAtom, _ left: [String], _ right: [String]) -> Int {
        if a.kind == .number && b.kind == .number {
            return a.payload == b.payload ? 0 : (a.payload < b.payload ? -1 : 1)
        }
        if a.rank != b.rank { return a.rank < b.rank ? -1 : 1 }
        switch a.kind {
        case .text:
            if a.payload != b.payload { return a.payload < b.payload ? -1 : 1 }
            let aLong = a.length > 8
            let bLong = b.length > 8
            switch (aLong, bLong) {
            case (false, false): return 0
            case (false, true): return -1
            case (true, false): return 1
            case (true, true):
                let x = left[Int(a.overflow)].utf8
                let y = right[Int(b.overflow)].utf8
                if x.elementsEqual(y) { return 0 }
                return x.lexicographicallyPrecedes(y) ? -1 : 1
            }
        case .number, .bigNumber:
            // At least one side is a big number: it exceeds every 64-bit number.
            if a.kind == .number { return -1 }
            if b.kind == .number { return 1 }
            let x = left[Int(a.overflow)].utf8
            let y = right[Int(b.overflow)].utf8
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            if x.elementsEqual(y) { return 0 }
            return x.lexicographicallyPrecedes(y) ? -1 : 1
        case .post, .header:
            return 0
        }
    }

    /// The text of a text atom, as bytes.
    func textBytes(_ overflow: [String]) -> [UInt8] {
        if length > 8 { return Array(overflow[Int(self.overflow)].utf8) }
        return (0..<Int(length)).map { UInt8(truncatingIfNeeded: payload >> (56 - 8 * UInt64($0))) }
    }

    /// Feeds what equality sees into `hasher`.
    func hash(into hasher: inout Hasher, overflow: [String]) {
        hasher.combine(rank)
        switch kind {
        case .text:
            hasher.combine(payload)
            if length > 8 { hasher.combine(overflow[Int(self.overflow)]) }
        case .number: hasher.combine(payload)
        case .bigNumber: hasher.combine(overflow[Int(self.overflow)])
        case .post, .header: break
        }
    }
}
