import Foundation

/// A build on `main` whose dependency on the core has no upper bound, so that a solver would
/// pair it with the new core, and the bound proposed for it.
package struct PatchProposal: Sendable, Equatable, Codable {
    package var subdir: String
    package var fileName: String
    package var package: String
    package var version: String
    /// The unbounded spec as the record has it, and the spec proposed in its place.
    package var spec: String
    package var proposed: String
    /// Why this bound: the build passed against the new core in this train, or it did not.
    package var reason: String
    /// The record's depends with the proposed spec in place.
    package var depends: [String]

    enum CodingKeys: String, CodingKey {
        case subdir, package, version, spec, proposed, reason, depends
        case fileName = "file"
    }
}

extension Train {
    /// The builds on `main` whose spec on the core has no upper bound and admits this train's
    /// version, with a bound to add, as conda-forge's repodata patches do: below the next minor
    /// release for a build that passed against this train's core (as the member's existing
    /// build, a retest); below this release for every other build (nobody tested it with the
    /// new core). The train's own builds are never capped: they were built against its RC and
    /// passed there (capping torchtriton 2.1.0 below 2.1 would leave every CUDA torch 2.1.0
    /// uninstallable). A proposal to review, never applied.
    package func patchProposals(main: LabelRecords) -> [PatchProposal] {
        let segments = version.leadingNumbers
        guard segments.count >= 2 else { return [] }
        let thisMinor = "\(segments[0]).\(segments[1])"
        let nextMinor = "\(segments[0]).\(Version.successor(segments[1]))"
        guard let huge = try? Version("999999999") else { return [] }
        var proposals: [PatchProposal] = []
        let ownBuilds = Set(members.flatMap { $0.build?.artifacts ?? [] })
        for (subdir, records) in main.sorted(by: { $0.key < $1.key }) {
            for record in records.values.sorted(by: { $0.fileName < $1.fileName })
            where record.name != core && !ownBuilds.contains(Artifact(record)) {
                for (index, text) in record.depends.enumerated() {
                    guard let spec = try? MatchSpec(text), spec.exactName == core else { continue }
                    let admitsEverything = spec.version.map { $0.matches(huge) } ?? true
                    let admitsThis = spec.version.map { $0.matches(version) } ?? true
                    guard admitsEverything && admitsThis else { continue }
                    let member = self.member(record.name)
                    let testedHere =
                        member.map { $0.reason == .retest && $0.build == nil && $0.hasPassed(against: rc) } ?? false
                        && record.version == member?.currentVersion.description
                    let bound = testedHere ? nextMinor : thisMinor
                    let proposed = Self.bounded(text, below: bound)
                    var depends = record.depends
                    depends[index] = proposed
                    proposals.append(
                        PatchProposal(
                            subdir: subdir, fileName: record.fileName, package: record.name, version: record.version,
                            spec: text, proposed: proposed,
                            reason: testedHere
                                ? "passed against \(core) \(version) in this train"
                                : "not tested with \(core) \(version)",
                            depends: depends))
                }
            }
        }
        return proposals
    }

    /// `text` with `<bound` added to its version part: `pytorch` → `pytorch <2.6`,
    /// `pytorch >=1.9` → `pytorch >=1.9,<2.6`, keeping a build part.
    package static func bounded(_ text: String, below bound: String) -> String {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = parts.first else { return text }
        if parts.count == 1 { return "\(name) <\(bound)" }
        let versionPart = parts[1] == "*" ? "<\(bound)" : "\(parts[1]),<\(bound)"
        return ([name, versionPart] + parts.dropFirst(2)).joined(separator: " ")
    }
}
