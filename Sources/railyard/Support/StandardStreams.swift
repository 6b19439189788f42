import RailyardApplication
import RailyardCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads standard input in chunks and hands out complete lines as byte slices.
struct LineReader {
    private var buffer: [UInt8] = []
    private var finished = false

    /// Calls `body` with every complete line available after one read (without its `\n` or
    /// `\r\n`), then returns; false once the input is exhausted and every line was handed out.
    mutating func readLines(_ body: (ArraySlice<UInt8>) throws -> Void) rethrows -> Bool {
        if finished { return false }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let count = chunk.withUnsafeMutableBytes { raw in
            var result: Int
            repeat {
                result = read(0, raw.baseAddress, raw.count)
            } while result < 0 && errno == EINTR
            return result
        }
        if count <= 0 {
            finished = true
            if !buffer.isEmpty {
                try body(Self.trimmingCarriageReturn(buffer[...]))
                buffer.removeAll()
            }
            return false
        }
        buffer.append(contentsOf: chunk[..<count])
        var start = buffer.startIndex
        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            try body(Self.trimmingCarriageReturn(buffer[start..<newline]))
            start = newline + 1
        }
        buffer.removeSubrange(..<start)
        return true
    }

    /// Every line of standard input.
    static func readAll() -> [String] {
        var reader = LineReader()
        var lines: [String] = []
        while reader.readLines({ lines.append(String(decoding: $0, as: UTF8.self)) }) {}
        return lines
    }

    private static func trimmingCarriageReturn(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }
}

/// Buffered standard output: one `write` per 64 KiB rather than one per line.
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(1 << 16)
    }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        if bytes.count >= 1 << 16 { flush() }
    }

    /// Appends `value` as compact JSON and a newline. An object is stamped with the JSON
    /// contract's `"schema"` (docs/json.md), so that every command's `--json` carries it.
    mutating func appendLine(json value: JSONValue) {
        var value = value
        if case .object(var members) = value, members["schema"] == nil {
            members["schema"] = .number(Wire.schema)
            value = .object(members)
        }
        value.write(into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        Self.writeAll(bytes, to: 1)
        bytes.removeAll(keepingCapacity: true)
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// Standard error, unbuffered.
enum StandardError {
    static func write(_ text: String) {
        OutputBuffer.writeAll(Array(text.utf8), to: 2)
    }
}
