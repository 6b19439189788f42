import Foundation

/// Why a train may not be created beside the trains already released.
package enum CreationProblem: Sendable, Equatable, CustomStringConvertible {
    /// The version is not newer than a released train's of the same series (2.5.1 after 2.5.1).
    case notNewer(version: String, series: String, released: String, releasedVersion: String)
    /// The catalog's core version is older than a released train's: the plan would start from
    /// stale versions (and call 2.6.1 a minor train).
    case catalogBehind(core: String, catalog: String, released: String, releasedVersion: String)

    package var description: String {
        switch self {
        case .notNewer(let version, let series, let released, let releasedVersion):
            "train \(released) released \(releasedVersion): a new train of the \(series) series must be newer than"
                + " \(releasedVersion), and \(version) is not"
        case .catalogBehind(let core, let catalog, let released, let releasedVersion):
            "the catalog says \(core) \(catalog), but train \(released) released \(releasedVersion): bring the"
                + " catalog's versions up to that release (what it put on main) before planning from it, or give"
                + " --stale-ok to plan from it as it is"
        }
    }
}

extension Train {
    /// The series of a version: its first two numbers (`2.5` of 2.5.2).
    static func series(of version: Version) -> [UInt64] { Array(version.leadingNumbers.prefix(2)) }

    /// Why a train for `version` may not be created, given the released trains (name and core
    /// version) and the catalog's version of the core: refused when the version is not newer
    /// than a released one of its series; when the catalog is behind a release, refused unless
    /// `staleOK` (then it is a warning). Returns the refusal, and the warnings.
    package static func creationProblems(
        core: String, version: Version, catalogVersion: Version, released: [(name: String, version: Version)],
        staleOK: Bool
    ) -> (refusal: CreationProblem?, warnings: [CreationProblem]) {
        let series = Self.series(of: version)
        for train in released.sorted(by: { $0.version > $1.version })
        where Self.series(of: train.version) == series && !(version > train.version) {
            return (
                .notNewer(
                    version: version.description, series: series.map(String.init).joined(separator: "."),
                    released: train.name, releasedVersion: train.version.description), []
            )
        }
        guard let newest = released.max(by: { $0.version < $1.version }), newest.version > catalogVersion else {
            return (nil, [])
        }
        let behind = CreationProblem.catalogBehind(
            core: core, catalog: catalogVersion.description, released: newest.name,
            releasedVersion: newest.version.description)
        return staleOK ? (nil, [behind]) : (behind, [])
    }
}
