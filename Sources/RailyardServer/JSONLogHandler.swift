import Foundation
import Logging
import RailyardCore

/// Railyard's log lines: one JSON object per line on standard error, for `jq` and any log
/// collector. The first keys are always `time` (UTC, RFC 3339 with milliseconds), `level`,
/// `logger` and `message`; the metadata follows in key order (numbers stay numbers):
///
///     {"time":"2026-12-02T05:30:00.123Z","level":"info","logger":"railyard","message":"request","method":"GET","ms":0.212,"path":"/health","status":200}
///
/// Each line is one `write(2)`, so lines from several threads never interleave. It reads no
/// time zone file: swift-log's stream handler re-reads /etc/localtime for every line, which cost
/// a quarter of the server's throughput under load.
package struct JSONLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    package var logLevel: Logger.Level = .info
    private let label: String
    private let fileDescriptor: Int32

    package init(label: String, fileDescriptor: Int32 = STDERR_FILENO) {
        self.label = label
        self.fileDescriptor = fileDescriptor
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { fields.merge(provided) { _, new in new } }
        if let given = event.metadata, !given.isEmpty {
            if fields.isEmpty { fields = given } else { fields.merge(given) { _, new in new } }
        }
        let line = Self.line(
            time: Date(), level: event.level, logger: label, message: event.message.description, metadata: fields)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// The line for one event, newline included.
    package static func line(
        time: Date, level: Logger.Level, logger: String, message: String, metadata: Logger.Metadata
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        bytes.append(contentsOf: #"{"time":""#.utf8)
        appendTimestamp(time, to: &bytes)
        bytes.append(contentsOf: #"","level":""#.utf8)
        bytes.append(contentsOf: level.rawValue.utf8)
        bytes.append(contentsOf: #"","logger":"#.utf8)
        JSONString.append(logger, to: &bytes)
        bytes.append(contentsOf: #","message":"#.utf8)
        JSONString.append(message, to: &bytes)
        for key in metadata.keys.sorted() where !["time", "level", "logger", "message"].contains(key) {
            bytes.append(UInt8(ascii: ","))
            JSONString.append(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            append(metadata[key]!, to: &bytes)
        }
        bytes.append(contentsOf: "}\n".utf8)
        return bytes
    }

    private static func append(_ value: Logger.Metadata.Value, to bytes: inout [UInt8]) {
        switch value {
        case .string(let text): JSONString.append(text, to: &bytes)
        case .stringConvertible(let value):
            switch value {
            case let number as Int: bytes.append(contentsOf: String(number).utf8)
            case let number as Double where number.isFinite: bytes.append(contentsOf: number.description.utf8)
            case let number as any BinaryInteger: bytes.append(contentsOf: "\(number)".utf8)
            case let flag as Bool: bytes.append(contentsOf: (flag ? "true" : "false").utf8)
            default: JSONString.append(value.description, to: &bytes)
            }
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(element, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let values):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONString.append(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                append(values[key]!, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, from the broken-down UTC time (no time zone file).
    private static func appendTimestamp(_ time: Date, to bytes: inout [UInt8]) {
        let interval = time.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let milliseconds = min(999, Int((interval - interval.rounded(.down)) * 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        bytes.append(UInt8(ascii: "."))
        digits(milliseconds, 3)
        bytes.append(UInt8(ascii: "Z"))
    }
}
