import Foundation
import RailyardChannel
import RailyardCore
import RailyardStore

/// A train and its channel together: staging builds, registering RCs and promoting, in the
/// order that keeps both true. Every rule comes from the core (`Train.decide`,
/// `Train.promotionPlan`); this type only reads, checks before writing, and carries out.
package struct TrainChannel: Sendable {
    package let store: Store
    package let channel: LocalChannel

    package init(store: Store, channel: LocalChannel) {
        self.store = store
        self.channel = channel
    }

    /// The staging label of a train.
    package static func label(of train: String) -> String { "train-\(train)" }

    /// What `stage` did for one package.
    package struct Staged: Sendable {
        package var package: String
        package var artifacts: [Artifact]
        /// nil when the same files were staged already: nothing changed.
        package var outcome: CommandOutcome?
    }

    /// Whether a change of `main` made for `train` was committed: the train's release was
    /// recorded (a change for no train, such as an index, is committed once written).
    package func isCommitted(_ train: String?) throws -> Bool {
        guard let train else { return true }
        return try store.train(train).stage == .released
    }

    /// Finishes or rolls back what a crash left in flight on `main`.
    @discardableResult
    package func recover() throws -> Recovery? {
        try channel.recover(committed: isCommitted)
    }

    /// `channel index`: every label's repodata from the package files present.
    package func index(progress: ((Int, Int) -> Void)? = nil) throws -> IndexSummary {
        try channel.index(committed: isCommitted, progress: progress)
    }

    /// Reads package files, refusing the first that is not a sound conda package.
    package static func read(_ files: [String]) throws(ChannelError) -> [(source: String, record: PackageRecord)] {
        var result: [(String, PackageRecord)] = []
        for file in files {
            do {
                result.append((file, try PackageReader.read(path: file)))
            } catch {
                throw .package(error)
            }
        }
        return result
    }

    /// Puts builds of members on the train's staging label and registers them: every file is
    /// read and every rule checked before anything is written; the same files staged again
    /// change nothing; files of the registered build's version for other subdirs are added to it.
    package func stage(files: [String], train version: String, by actor: Actor, at time: Date) throws -> [Staged] {
        try recover()
        let packages = try Self.read(files)
        var train = try store.train(version)
        var groups: [String: [(source: String, record: PackageRecord)]] = [:]
        for package in packages {
            let record = package.record
            if record.name == train.core {
                throw ChannelError.coreGoesThroughRC(file: record.fileName, core: train.core)
            }
            guard train.member(record.name) != nil else {
                throw ChannelError.notInTrain(file: record.fileName, package: record.name, train: version)
            }
            groups[record.name, default: []].append(package)
        }
        // Decide every registration first, in plan order, against the train as it will be.
        var commands: [(name: String, command: TrainCommand?, artifacts: [Artifact])] = []
        for member in train.members where groups[member.name] != nil {
            let group = groups[member.name]!
            let versions = Set(group.map(\.record.version))
            guard versions.count == 1, let buildVersion = group[0].record.parsedVersion else {
                throw ChannelError.mixedVersions(package: member.name, versions: versions.sorted())
            }
            var artifacts = group.map { Artifact($0.record) }
            // More files of the build already registered (a build uploaded one file at a time,
            // as over HTTP): they join it, replacing what it had for the same subdirs.
            if let build = member.build, build.version == buildVersion, build.rc == train.rc {
                let subdirs = Set(artifacts.map(\.subdir))
                artifacts += (build.artifacts ?? []).filter { !subdirs.contains($0.subdir) }
            }
            artifacts.sort { $0.description < $1.description }
            if let build = member.build, build.version == buildVersion, Set(build.artifacts ?? []) == Set(artifacts) {
                commands.append((member.name, nil, artifacts))
                continue
            }
            // The specs of all the build's files, each once, in order (a set: linear in the count).
            var depends: [String] = []
            var seen = Set<String>()
            for record in group.map(\.record) {
                for spec in record.depends where seen.insert(spec).inserted { depends.append(spec) }
            }
            let command = TrainCommand.registerBuild(
                member: member.name, version: buildVersion, depends: depends, artifacts: artifacts)
            switch train.decide(command, by: actor, at: time) {
            case .success(let events): train.apply(events, by: actor, at: time)
            case .failure(let rejection): throw StoreError.rejected(rejection)
            }
            commands.append((member.name, command, artifacts))
        }
        try channel.checkStaging(packages.map(\.record), label: Self.label(of: version))
        try channel.stage(packages, label: Self.label(of: version))
        return try commands.map { name, command, artifacts in
            let outcome = try command.map { try store.execute($0, on: version, by: actor, at: time) }
            return Staged(package: name, artifacts: artifacts, outcome: outcome)
        }
    }

    /// Puts the core's RC files on the staging label and registers RC `number` with them.
    package func registerRC(
        number: Int, files: [String], train version: String, by actor: Actor, at time: Date,
        expectRevision: Int? = nil, idempotency: IdempotencyKey? = nil
    ) throws -> CommandOutcome {
        try recover()
        let packages = try Self.read(files)
        let train = try store.train(version)
        for package in packages {
            let record = package.record
            guard record.name == train.core, record.parsedVersion == train.version else {
                throw ChannelError.notTheCore(file: record.fileName, expected: "\(train.core) \(train.version)")
            }
        }
        let artifacts = packages.map { Artifact($0.record) }.sorted { $0.description < $1.description }
        let subdirs = Set(artifacts.map(\.subdir)).sorted()
        let command = TrainCommand.registerRC(number: number, subdirs: subdirs, artifacts: artifacts)
        if case .failure(let rejection) = train.decide(command, by: actor, at: time) {
            throw StoreError.rejected(rejection)
        }
        try channel.checkStaging(packages.map(\.record), label: Self.label(of: version))
        try channel.stage(packages, label: Self.label(of: version))
        return try store.execute(
            command, on: version, by: actor, at: time, expectRevision: expectRevision, idempotency: idempotency)
    }

    /// The dry run of a promotion: the diff and every check, against `main` as it is now.
    package func plan(train version: String) throws -> (plan: PromotionPlan, generation: Int) {
        let (plan, generation, _) = try planWithMain(train: version)
        return (plan, generation)
    }

    private func planWithMain(train version: String) throws -> (PromotionPlan, Int, [String: Repodata]) {
        try recover()
        let train = try store.train(version)
        let main = try channel.snapshot(label: "main")
        let label = Self.label(of: version)
        let staged =
            channel.labels().contains(label) ? try channel.snapshot(label: label).subdirs : [:]
        let plan = train.promotionPlan(main: main.subdirs.mapValues(\.records), staged: staged.mapValues(\.records))
        return (plan, main.generation, main.subdirs)
    }

    /// Promotes the train: refused unless every check of the dry run holds and `main` is still at
    /// `expectGeneration` (when given); then `main` switches all at once and the train is
    /// recorded `released` — a crash at any instant leaves the old or the new `main`, and the
    /// next command finishes or rolls back.
    package func promote(
        train version: String, by actor: Actor, at time: Date, expectGeneration: Int? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> (plan: PromotionPlan, generation: Int, outcome: CommandOutcome) {
        let (plan, generation, main) = try planWithMain(train: version)
        if let expectGeneration, expectGeneration != generation {
            throw ChannelError.mainChanged(expected: expectGeneration, actual: generation)
        }
        guard plan.ok else {
            throw ChannelError.promotionRefused(failing: plan.failing.map { "\($0.name): \($0.detail)" })
        }
        let train = try store.train(version)
        if case .failure(let rejection) = train.decide(.release, by: actor, at: time) {
            throw StoreError.rejected(rejection)
        }
        let label = Self.label(of: version)
        var sources: [String: String] = [:]
        for (subdir, records) in plan.gains {
            for record in records {
                sources[subdir + "/" + record.fileName] =
                    channel.directory(label: label, subdir: subdir) + "/" + record.fileName
            }
        }
        var future: [String: Repodata] = [:]
        for (subdir, records) in plan.future {
            future[subdir] = main[subdir]?.replacing(records: records) ?? Repodata(subdir: subdir, records: records)
        }
        var outcome: CommandOutcome? = nil
        let store = self.store
        let newGeneration = try channel.publishMain(
            future, sources: sources, expectGeneration: generation, train: version, committed: isCommitted,
            progress: progress,
            commit: {
                outcome = try store.execute(.release, on: version, by: actor, at: time, expectRevision: train.revision)
            }
        )
        return (plan, newGeneration, outcome!)
    }
}
