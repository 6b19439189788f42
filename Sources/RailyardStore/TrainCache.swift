import RailyardCore
import Synchronization

/// The trains a process last saw, each valid only at the revision it was read or written at.
final class TrainCache: Sendable {
    private let trains = Mutex<[String: Train]>([:])

    /// The cached train, if it is at `revision`.
    func train(_ version: String, revision: Int) -> Train? {
        trains.withLock { trains in
            guard let train = trains[version], train.revision == revision else { return nil }
            return train
        }
    }

    func store(_ train: Train) {
        trains.withLock { $0[train.name] = train }
    }
}
