import Foundation

/// A package file registered on a train: where it lies on the staging label and what it holds.
/// Its identity is the path and the digest; the variant is what its record says it was built for.
package struct Artifact: Sendable, Hashable, Codable, CustomStringConvertible {
    package var subdir: String
    package var fileName: String
    package var sha256: String
    /// The variant its record pins (nil: registered before variants were read).
    package var variant: Variant?

    package init(subdir: String, fileName: String, sha256: String, variant: Variant? = nil) {
        self.subdir = subdir
        self.fileName = fileName
        self.sha256 = sha256
        self.variant = variant
    }

    /// The artifact of `record`, with the variant it pins of python, the flavour and `keys`.
    package init(_ record: PackageRecord, keys: [String] = []) {
        self.init(
            subdir: record.subdir, fileName: record.fileName, sha256: record.sha256,
            variant: Variant(record, keys: keys))
    }

    /// `SUBDIR/FILE`, as a channel path.
    package var description: String { "\(subdir)/\(fileName)" }

    package static func == (left: Artifact, right: Artifact) -> Bool {
        left.subdir == right.subdir && left.fileName == right.fileName && left.sha256 == right.sha256
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(subdir)
        hasher.combine(fileName)
        hasher.combine(sha256)
    }
}
