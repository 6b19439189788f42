import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

extension TrainChannel {
    /// Promotes the train to anaconda.org through anaconda-client: the same dry run and checks as
    /// the local channel, then the journaled sequence, then the train recorded `released`.
    package func promoteToAnaconda(
        train version: String, backend: AnacondaBackend, resume: Bool, by actor: Actor, at time: Date,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> (plan: PromotionPlan, outcome: CommandOutcome?) {
        let (plan, _) = try plan(train: version)
        let train = try store.train(version)
        if resume && train.stage == .released && backend.inFlight(version) {
            // Every step was done and the release recorded; only the journal was left.
            backend.forgetJournal(of: version)
            return (plan, nil)
        }
        if !resume {
            guard plan.ok else {
                throw ChannelError.promotionRefused(failing: plan.failing.map { "\($0.name): \($0.detail)" })
            }
        }
        if case .failure(let rejection) = train.decide(.release, by: actor, at: time) {
            throw StoreError.rejected(rejection)
        }
        let label = Self.label(of: version)
        let staged = try channel.snapshot(label: label).subdirs
        let order = [train.core] + train.members.map(\.name)
        var outcome: CommandOutcome? = nil
        try backend.run(
            train: version, steps: AnacondaBackend.steps(for: plan, order: order), resume: resume, label: label,
            source: { file in channel.path + "/label/" + label + "/" + file },
            record: { file in
                let parts = file.split(separator: "/").map(String.init)
                return parts.count == 2 ? staged[parts[0]]?.records[parts[1]] : nil
            },
            progress: progress,
            commit: { outcome = try store.execute(.release, on: version, by: actor, at: time) }
        )
        return (plan, outcome)
    }
}
