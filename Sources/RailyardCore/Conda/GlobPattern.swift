/// A pattern with `*` wildcards (any run of characters), matched against a whole string.
package struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    package let description: String
    /// The literal pieces between the stars.
    private let pieces: [[UInt8]]

    package init(_ pattern: String) {
        self.description = pattern
        var pieces: [[UInt8]] = [[]]
        for byte in pattern.utf8 {
            if byte == UInt8(ascii: "*") {
                pieces.append([])
            } else {
                pieces[pieces.count - 1].append(byte)
            }
        }
        self.pieces = pieces
    }

    /// Whether `text` matches the whole pattern.
    package func matches(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = pieces.first else { return bytes.isEmpty }
        if pieces.count == 1 { return bytes == first }
        guard bytes.starts(with: first) else { return false }
        let last = pieces[pieces.count - 1]
        guard bytes.count >= first.count + last.count, bytes.suffix(last.count).elementsEqual(last) else {
            return false
        }
        var position = first.count
        let end = bytes.count - last.count
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let found = Self.find(piece, in: bytes, from: position, before: end) else { return false }
            position = found + piece.count
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, before end: Int) -> Int? {
        guard end - start >= needle.count else { return nil }
        for candidate in start...(end - needle.count)
        where haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) {
            return candidate
        }
        return nil
    }
}
