import Foundation

/// A package file registered on a train: where it lies on the staging label and what it holds.
package struct Artifact: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    package var subdir: String
    package var fileName: String
    package var sha256: String

    package init(subdir: String, fileName: String, sha256: String) {
        self.subdir = subdir
        self.fileName = fileName
        self.sha256 = sha256
    }

    package init(_ record: PackageRecord) {
        self.init(subdir: record.subdir, fileName: record.fileName, sha256: record.sha256)
    }

    /// `SUBDIR/FILE`, as a channel path.
    package var description: String { "\(subdir)/\(fileName)" }
}
