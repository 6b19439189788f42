import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

extension TrainChannel {
    /// Ends train `old` in favour of `next` (a train just planned from the catalog) and carries
    /// over what still holds (`Train.supersede` decides what). The files of the builds it
    /// carries are staged on the new train's label, visible only once the store recorded the
    /// supersession, as `stage` does: a refusal or a crash leaves both trains and both labels
    /// as they were.
    ///
    /// What will be carried is decided first against the trains as they are, to know the files;
    /// the store decides again inside its transaction, and when another change came first (the
    /// old train moved, the new train's name was taken) it is all decided again.
    package func supersede(
        _ old: String, by next: Train, by actor: Actor, at time: Date, expectRevision: Int? = nil,
        idempotency: IdempotencyKey? = nil
    ) throws -> SupersedeOutcome {
        try recover()
        for attempt in 1...Self.attempts {
            let before = try store.train(old)
            // The name the new train will have: `2.7.0`, or `2.7.0-2` after an aborted 2.7.0.
            let earlier = try store.trains().filter {
                $0.version == next.version.description || $0.version.hasPrefix("\(next.version)-")
            }
            var named = next
            switch Train.attempt(after: earlier.map { ($0.version, $0.stage) }) {
            case .success(let number): named.attempt = number
            case .failure(let standing): throw StoreError.trainExists(standing.name)
            }
            let preview: Supersession
            switch before.supersede(by: named, by: actor, at: time) {
            case .success(let decided): preview = decided
            case .failure(let rejection): throw StoreError.rejected(rejection)
            }
            let packages = try carriedFiles(preview, from: before.name)
            var outcome: SupersedeOutcome? = nil
            do {
                try channel.stage(packages, label: Self.label(of: named.name)) {
                    outcome = try store.supersede(
                        old, by: next, by: actor, at: time, expectRevision: expectRevision ?? before.revision,
                        idempotency: idempotency,
                        beforeCommit: { decided, started in
                            // The files staged must be exactly the builds recorded, on its label.
                            guard started.name == named.name, decided.started == preview.started else {
                                throw StoreError.staleRevision(expected: before.revision, actual: before.revision)
                            }
                        })
                }
            } catch StoreError.staleRevision(let expected, let actual) where attempt < Self.attempts {
                // The old train moved, or the new train's name did (a train of that version was
                // aborted meanwhile): decide again, unless the caller pinned the old train's
                // revision and it moved.
                if let expectRevision, actual != expectRevision {
                    throw StoreError.staleRevision(expected: expected, actual: actual)
                }
                continue
            }
            return outcome!
        }
        preconditionFailure("the last attempt returns or throws")
    }

    /// The package files of the builds a supersession carries, as they lie on the old train's
    /// label: each must be there, listed with the digest the build registered.
    private func carriedFiles(_ decided: Supersession, from old: String) throws -> [(
        source: String, record: PackageRecord
    )] {
        let artifacts = decided.started.flatMap { event -> [Artifact] in
            guard case .carried(_, _, .build(let build, _)) = event else { return [] }
            return build.artifacts ?? []
        }
        guard !artifacts.isEmpty else { return [] }
        let label = Self.label(of: old)
        let listed = try channel.snapshot(label: label).subdirs
        return try artifacts.map { artifact in
            guard let record = listed[artifact.subdir]?.records[artifact.fileName], record.sha256 == artifact.sha256
            else {
                throw ChannelError.io(
                    path: "\(label)/\(artifact)",
                    message:
                        "a build to carry over is not listed on \(label) with the digest it was registered with: run railyard channel verify, then stage the build on the new train yourself"
                )
            }
            return (channel.directory(label: label, subdir: artifact.subdir) + "/" + artifact.fileName, record)
        }
    }
}
