import Foundation

/// One conda package file as a channel lists it: the metadata of its own `info/index.json` plus
/// what the file itself measures (size and digests). The repodata record conda reads.
package struct PackageRecord: Sendable, Equatable, Hashable, Codable {
    package enum Format: String, Sendable, Codable {
        /// A zip holding `info-*.tar.zst` and `pkg-*.tar.zst`; listed under `packages.conda`.
        case conda = ".conda"
        /// A bzip2 tarball; listed under `packages`.
        case tarBz2 = ".tar.bz2"
    }

    package var fileName: String
    package var name: String
    package var version: String
    package var build: String
    package var buildNumber: Int
    package var depends: [String]
    package var constrains: [String]
    package var subdir: String
    /// `python` or `generic` for noarch packages.
    package var noarch: String?
    package var license: String?
    package var licenseFamily: String?
    package var features: String?
    package var trackFeatures: String?
    /// Milliseconds since 1970, as conda-build writes it.
    package var timestamp: Int?
    package var size: Int
    package var md5: String
    package var sha256: String
    /// Every other field of the package's `info/index.json` (or of the repodata record read), by
    /// key: `arch`, `platform`, `python_site_packages_path`, `purls`… Railyard does not read
    /// them, and writes them back as they were, so that a record carries every field conda-index
    /// and rattler-index would write. nil when there are none.
    package var extra: [String: JSONValue]? = nil

    /// Keys of old `info/index.json` files that neither conda-index (it filters them) nor
    /// rattler-index (it does not know them) writes into repodata; every other key is kept.
    /// (conda-index also filters `arch` and `platform`; rattler-index keeps them, and so does
    /// Railyard.)
    package static let legacyIndexKeys: Set<String> = [
        "has_prefix", "mtime", "ucs", "requires_features", "binstar", "target-triplet", "machine", "operatingsystem",
    ]

    /// When the file entered `main`, in milliseconds since 1970 (CEP 47's `indexed_timestamp`):
    /// set by the channel, never by the package, kept as it is once set.
    package var indexedTimestamp: Int? {
        get {
            if case .number(let value)? = extra?["indexed_timestamp"] { return value }
            return nil
        }
        set {
            var fields = extra ?? [:]
            fields["indexed_timestamp"] = newValue.map(JSONValue.number)
            extra = fields.isEmpty ? nil : fields
        }
    }

    /// The fields Railyard models; every other key of a record is kept in `extra`.
    package static let modeledKeys: Set<String> = [
        "name", "version", "build", "build_number", "depends", "constrains", "subdir", "noarch", "license",
        "license_family", "features", "track_features", "timestamp", "size", "md5", "sha256",
    ]

    package init(
        fileName: String, name: String, version: String, build: String, buildNumber: Int, depends: [String],
        constrains: [String], subdir: String, noarch: String?, license: String?, licenseFamily: String? = nil,
        features: String? = nil, trackFeatures: String? = nil, timestamp: Int?, size: Int, md5: String,
        sha256: String
    ) {
        self.fileName = fileName
        self.name = name
        self.version = version
        self.build = build
        self.buildNumber = buildNumber
        self.depends = depends
        self.constrains = constrains
        self.subdir = subdir
        self.noarch = noarch
        self.license = license
        self.licenseFamily = licenseFamily
        self.features = features
        self.trackFeatures = trackFeatures
        self.timestamp = timestamp
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
    }

    package var format: Format { fileName.hasSuffix(Format.conda.rawValue) ? .conda : .tarBz2 }

    /// The file name conda expects for this metadata: `NAME-VERSION-BUILD` plus the format's
    /// extension.
    package static func expectedFileName(name: String, version: String, build: String, format: Format) -> String {
        "\(name)-\(version)-\(build)\(format.rawValue)"
    }

    /// The build string a conda file name carries: `torchvision-0.16.0-py311_cu121.tar.bz2` →
    /// `py311_cu121` (the last of `NAME-VERSION-BUILD`, as neither version nor build holds a `-`).
    package static func buildString(ofFileName fileName: String) -> String {
        var stem = fileName
        for suffix in [Format.conda.rawValue, Format.tarBz2.rawValue] where stem.hasSuffix(suffix) {
            stem.removeLast(suffix.count)
        }
        return stem.split(separator: "-", omittingEmptySubsequences: false).last.map(String.init) ?? stem
    }

    /// The format a file name announces, or nil when it is not a conda package's name.
    package static func format(ofFileName fileName: String) -> Format? {
        if fileName.hasSuffix(Format.conda.rawValue) { return .conda }
        if fileName.hasSuffix(Format.tarBz2.rawValue) { return .tarBz2 }
        return nil
    }

    /// Whether `fileName` is safe as one path component inside a channel: no separators, no
    /// parent references, nothing hidden or empty, printable ASCII only.
    package static func isSafeFileName(_ fileName: String) -> Bool {
        guard !fileName.isEmpty, fileName.utf8.count <= 255, !fileName.hasPrefix(".") else { return false }
        return fileName.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "/") && byte != UInt8(ascii: "\\")
        }
    }

    /// The parsed version, or nil when the metadata's version is not a conda version.
    package var parsedVersion: Version? { try? Version(version) }

    /// Whether `spec` matches this record: name, version and build, as a solver would judge it.
    package func satisfies(_ spec: MatchSpec) -> Bool {
        guard let parsed = parsedVersion else { return false }
        return spec.matches(name: name, version: parsed, build: build, buildNumber: buildNumber)
    }
}
