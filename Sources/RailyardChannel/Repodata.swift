import Foundation
import RailyardCore

/// A subdir's `repodata.json` (repodata_version 1), read and written as conda does: `.tar.bz2`
/// records under `packages`, `.conda` records under `packages.conda`, keyed by file name.
package struct Repodata: Sendable, Equatable {
    package var subdir: String
    /// Every record, by file name.
    package var records: [String: PackageRecord]
    /// The JSON of each record as read, with the record it was read as: written again as it
    /// was when the record is unchanged (a large main is copied rather than encoded).
    var verbatim: [String: (record: PackageRecord, json: ArraySlice<UInt8>)] = [:]

    package init(subdir: String, records: [String: PackageRecord] = [:]) {
        self.subdir = subdir
        self.records = records
    }

    package static func == (left: Repodata, right: Repodata) -> Bool {
        left.subdir == right.subdir && left.records == right.records
    }

    /// This repodata with `records` in place of its own, keeping the JSON read for each record
    /// that did not change.
    package func replacing(records: [String: PackageRecord]) -> Repodata {
        var result = self
        result.records = records
        return result
    }

    // MARK: Reading

    package static func read(_ data: Data, path: String) throws(ChannelError) -> Repodata {
        let parsed: (subdir: String?, records: [String: PackageRecord], verbatim: [String: ArraySlice<UInt8>])
        do {
            parsed = try JSONReader.repodata(data)
        } catch {
            throw .badRepodata(path: path, message: error.description)
        }
        guard let subdir = parsed.subdir else { throw .badRepodata(path: path, message: "info.subdir is missing") }
        var repodata = Repodata(subdir: subdir, records: parsed.records)
        for (fileName, json) in parsed.verbatim { repodata.verbatim[fileName] = (parsed.records[fileName]!, json) }
        return repodata
    }

    // MARK: Writing

    /// The JSON conda reads, with keys in a fixed order so that equal contents are equal bytes.
    package func encoded() -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(records.count * 400 + 200)
        out += Array("{\n  \"info\": {\n    \"subdir\": ".utf8)
        Self.quote(subdir, into: &out)
        out += Array("\n  },\n".utf8)
        let sorted = records.values.sorted { $0.fileName < $1.fileName }
        for (key, format) in [("packages", PackageRecord.Format.tarBz2), ("packages.conda", .conda)] {
            out += Array("  \"\(key)\": {".utf8)
            var first = true
            for record in sorted where record.format == format {
                out += Array((first ? "\n    " : ",\n    ").utf8)
                first = false
                Self.quote(record.fileName, into: &out)
                out += Array(": ".utf8)
                if let kept = verbatim[record.fileName], kept.record == record {
                    out += kept.json
                } else {
                    Self.write(record, into: &out)
                }
            }
            out += Array((first ? "},\n" : "\n  },\n").utf8)
        }
        out += Array("  \"removed\": [],\n  \"repodata_version\": 1\n}\n".utf8)
        return Data(out)
    }

    private static func write(_ record: PackageRecord, into out: inout [UInt8]) {
        var first = true
        // The other fields, in the same sorted order as the modeled ones, each where it falls.
        var extra = (record.extra ?? [:]).sorted { $0.key < $1.key }[...]
        func flushExtra(before name: String?) {
            while let next = extra.first, name.map({ next.key < $0 }) ?? true {
                extra.removeFirst()
                out += Array((first ? "{" : ", ").utf8)
                first = false
                quote(next.key, into: &out)
                out += Array(": ".utf8)
                next.value.write(into: &out)
            }
        }
        func key(_ name: StaticString) {
            flushExtra(before: String(describing: name))
            out += Array((first ? "{\"" : ", \"").utf8)
            first = false
            out += UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
            out += Array("\": ".utf8)
        }
        func text(_ name: StaticString, _ value: String) {
            key(name)
            quote(value, into: &out)
        }
        func list(_ name: StaticString, _ values: [String]) {
            key(name)
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out += Array(", ".utf8) }
                quote(value, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        func number(_ name: StaticString, _ value: Int) {
            key(name)
            out += Array(String(value).utf8)
        }
        text("build", record.build)
        number("build_number", record.buildNumber)
        if !record.constrains.isEmpty { list("constrains", record.constrains) }
        list("depends", record.depends)
        if let features = record.features { text("features", features) }
        if let license = record.license { text("license", license) }
        if let family = record.licenseFamily { text("license_family", family) }
        text("md5", record.md5)
        text("name", record.name)
        if let noarch = record.noarch { text("noarch", noarch) }
        text("sha256", record.sha256)
        number("size", record.size)
        text("subdir", record.subdir)
        if let timestamp = record.timestamp { number("timestamp", timestamp) }
        if let track = record.trackFeatures { text("track_features", track) }
        text("version", record.version)
        flushExtra(before: nil)
        out.append(UInt8(ascii: "}"))
    }

    /// Appends `text` as a JSON string literal.
    static func quote(_ text: String, into out: inout [UInt8]) { JSONString.append(text, to: &out) }
}
