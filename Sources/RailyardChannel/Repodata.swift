import Foundation
import RailyardCore

/// A subdir's `repodata.json` (repodata_version 1), read and written as conda does: `.tar.bz2`
/// records under `packages`, `.conda` records under `packages.conda`, keyed by file name.
package struct Repodata: Sendable, Equatable {
    package var subdir: String
    /// Every record, by file name.
    package var records: [String: PackageRecord]

    package init(subdir: String, records: [String: PackageRecord] = [:]) {
        self.subdir = subdir
        self.records = records
    }

    // MARK: Reading

    package static func read(_ data: Data, path: String) throws(ChannelError) -> Repodata {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .badRepodata(path: path, message: "not a JSON object")
        }
        guard let info = object["info"] as? [String: Any], let subdir = info["subdir"] as? String else {
            throw .badRepodata(path: path, message: "info.subdir is missing")
        }
        var records: [String: PackageRecord] = [:]
        for key in ["packages", "packages.conda"] {
            guard let entries = object[key] else { continue }
            guard let entries = entries as? [String: Any] else {
                throw .badRepodata(path: path, message: "'\(key)' must be an object")
            }
            for (fileName, value) in entries {
                guard let fields = value as? [String: Any] else {
                    throw .badRepodata(path: path, message: "\(key).\(fileName) must be an object")
                }
                records[fileName] = try record(fileName, fields, path: path)
            }
        }
        return Repodata(subdir: subdir, records: records)
    }

    private static func record(_ fileName: String, _ fields: [String: Any], path: String) throws(ChannelError)
        -> PackageRecord
    {
        func text(_ key: String) throws(ChannelError) -> String {
            guard let value = fields[key] as? String else {
                throw .badRepodata(path: path, message: "\(fileName): '\(key)' is missing or not a string")
            }
            return value
        }
        func number(_ key: String) throws(ChannelError) -> Int {
            guard let value = fields[key] as? NSNumber else {
                throw .badRepodata(path: path, message: "\(fileName): '\(key)' is missing or not a number")
            }
            return value.intValue
        }
        return PackageRecord(
            fileName: fileName,
            name: try text("name"),
            version: try text("version"),
            build: try text("build"),
            buildNumber: try number("build_number"),
            depends: fields["depends"] as? [String] ?? [],
            constrains: fields["constrains"] as? [String] ?? [],
            subdir: try text("subdir"),
            noarch: fields["noarch"] as? String,
            license: fields["license"] as? String,
            licenseFamily: fields["license_family"] as? String,
            features: fields["features"] as? String,
            trackFeatures: fields["track_features"] as? String,
            timestamp: (fields["timestamp"] as? NSNumber)?.intValue,
            size: try number("size"),
            md5: try text("md5"),
            sha256: try text("sha256")
        )
    }

    // MARK: Writing

    /// The JSON conda reads, with keys in a fixed order so that equal contents are equal bytes.
    package func encoded() -> Data {
        var out = "{\n  \"info\": {\n    \"subdir\": "
        out += Self.quoted(subdir)
        out += "\n  },\n"
        let sorted = records.values.sorted { $0.fileName < $1.fileName }
        for (key, format) in [("packages", PackageRecord.Format.tarBz2), ("packages.conda", .conda)] {
            out += "  \"\(key)\": {"
            var first = true
            for record in sorted where record.format == format {
                out += first ? "\n" : ",\n"
                first = false
                out += "    " + Self.quoted(record.fileName) + ": "
                Self.write(record, into: &out)
            }
            out += first ? "},\n" : "\n  },\n"
        }
        out += "  \"removed\": [],\n  \"repodata_version\": 1\n}\n"
        return Data(out.utf8)
    }

    private static func write(_ record: PackageRecord, into out: inout String) {
        var fields: [(String, String)] = [
            ("build", quoted(record.build)),
            ("build_number", String(record.buildNumber)),
        ]
        if !record.constrains.isEmpty { fields.append(("constrains", list(record.constrains))) }
        fields.append(("depends", list(record.depends)))
        if let features = record.features { fields.append(("features", quoted(features))) }
        if let license = record.license { fields.append(("license", quoted(license))) }
        if let family = record.licenseFamily { fields.append(("license_family", quoted(family))) }
        fields.append(("md5", quoted(record.md5)))
        fields.append(("name", quoted(record.name)))
        if let noarch = record.noarch { fields.append(("noarch", quoted(noarch))) }
        fields.append(("sha256", quoted(record.sha256)))
        fields.append(("size", String(record.size)))
        fields.append(("subdir", quoted(record.subdir)))
        if let timestamp = record.timestamp { fields.append(("timestamp", String(timestamp))) }
        if let track = record.trackFeatures { fields.append(("track_features", quoted(track))) }
        fields.append(("version", quoted(record.version)))
        out += "{"
        for (index, field) in fields.enumerated() {
            out += index == 0 ? "" : ", "
            out += "\"\(field.0)\": \(field.1)"
        }
        out += "}"
    }

    private static func list(_ items: [String]) -> String {
        "[" + items.map(quoted).joined(separator: ", ") + "]"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
