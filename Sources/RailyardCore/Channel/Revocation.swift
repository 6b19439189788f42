import Foundation

/// How one solve fares between two states of `main`: a revocation's files gone, or a
/// promotion's added.
package struct SolveChange: Sendable, Equatable, Codable {
    package var name: String
    /// The solve installed before, and after.
    package var before: Bool
    package var after: Bool
    /// What changed: each package picked otherwise, or why the solve no longer installs.
    package var changes: [String]

    /// It installed before and no longer does.
    package var breaks: Bool { before && !after }

    /// Each solve whose answer differs between `before` and `after` (the same solves, in order):
    /// one that no longer installs, or one that picks other builds.
    package static func changes(before: [SolveReport], after: [SolveReport]) -> [SolveChange] {
        zip(before, after).compactMap { old, new in
            var changes: [String] = []
            if old.ok && !new.ok {
                // The problem names the solve first; the change is listed under that name already.
                let problem = new.problem.map {
                    $0.hasPrefix(new.name + ": ") ? String($0.dropFirst(new.name.count + 2)) : $0
                }
                changes.append("no longer installs: \(problem ?? "the solver found no solution")")
            } else if !old.ok && new.ok {
                changes.append("installs now")
            }
            let was = Dictionary(old.picked.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let now = Dictionary(new.picked.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            if old.ok && new.ok {
                for name in Set(was.keys).union(now.keys).sorted() {
                    switch (was[name], now[name]) {
                    case (let a?, let b?) where a.version != b.version || a.build != b.build:
                        changes.append("picks \(name) \(b.version) \(b.build) instead of \(a.version) \(a.build)")
                    case (let a?, nil): changes.append("no longer picks \(name) \(a.version) \(a.build)")
                    case (nil, let b?): changes.append("also picks \(name) \(b.version) \(b.build)")
                    default: break
                    }
                }
            }
            return changes.isEmpty
                ? nil : SolveChange(name: old.name, before: old.ok, after: new.ok, changes: changes)
        }
    }
}

/// The rules of `channel revoke`: which of the last release's solves a revocation changes, and
/// when it is refused.
package enum Revocation {
    /// Refuses `actor` unless a release manager of the last release (anyone may revoke from a
    /// channel no train has released into yet, as anyone may index it).
    package static func requireReleaseManager(_ actor: Actor, of lastRelease: Train?) throws(TrainRejection) {
        guard let lastRelease, !lastRelease.isReleaseManager(actor) else { return }
        throw .notAllowed(
            actor: actor.description, command: "channel revoke",
            needs: "a release manager of \(lastRelease.name), the last release")
    }

    /// Why a revocation may not go (empty when it may): each solve of the last release that
    /// installed and would no longer; or, with no solver's word, the catalog's `fail-closed`.
    /// `--force` is the caller's to apply.
    package static func refusals(
        _ changes: [SolveChange], notRun: String?, onUnavailable: SolvingRules.OnUnavailable
    ) -> [String] {
        if let notRun {
            return onUnavailable == .failClosed
                ? ["the solver did not run (\(notRun)), and the catalog says fail-closed"] : []
        }
        return changes.filter(\.breaks).map { "it breaks \($0.name): \($0.changes.joined(separator: "; "))" }
    }
}
