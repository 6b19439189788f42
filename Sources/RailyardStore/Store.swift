import Foundation
import GRDB
import RailyardCore
import RailyardMigrations

/// Railyard's SQLite database: trains, their append-only event log, members, idempotency keys
/// and the notification outbox. The only module that knows SQL.
///
/// Every command is one transaction: load the train, decide, append the events, update the
/// state rows, enqueue the notifications, commit.
package struct Store: Sendable {
    let writer: any DatabaseWriter
    /// Trains this process last read or wrote, by version: reused while the event log still ends
    /// at the same revision, so a long-running server does not decode every train for every
    /// command. Another process's write moves the revision and misses the cache.
    let cache = TrainCache()
    /// The database file's path; nil in memory.
    let path: String?
    /// The file's identity when it was opened, for `isInPlace()`.
    let fileIdentity: FileIdentity?

    /// Opens the database file at `path`: WAL, so that the CLI and the server share it, with a
    /// busy timeout, migrated to the newest schema.
    ///
    /// A missing file is created (with its folder) only when `creating` is true — `--init` on the
    /// command line. Without it a missing file is an error, so that a database removed under a
    /// running server, or a mistyped `--db`, is never silently replaced by an empty one. A
    /// write-ahead log whose database is gone is refused even with `creating`: opening over it
    /// would discard the commits it still holds.
    package init(path: String, creating: Bool = false) throws(StoreError) {
        let files = FileManager.default
        if !files.fileExists(atPath: path) {
            if files.fileExists(atPath: path + "-wal") { throw StoreError.orphanedLog(path: path) }
            guard creating else { throw StoreError.missingDatabase(path: path) }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try files.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError.cannotOpen(
                    path: path, message: "cannot create the folder \(directory.path): \(Self.reason(error))")
            }
        }
        do {
            writer = try Self.open(path)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(
                path: path, message: error.message ?? "SQLite error \(error.resultCode.rawValue)")
        } catch {
            throw StoreError.cannotOpen(path: path, message: Self.reason(error))
        }
        self.path = path
        fileIdentity = Self.identity(of: path)
        try migrate()
    }

    /// Opens a database file as the store does: WAL, foreign keys on, a busy timeout so that the
    /// CLI and the server wait for each other, and `synchronous = FULL` on the writer so that a
    /// committed command survives a power loss, not only a crash of the process (WAL's usual
    /// NORMAL may lose the last commits).
    package static func open(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        return pool
    }

    /// A private in-memory database, for tests.
    package static func inMemory() throws(StoreError) -> Store {
        do {
            return try Store(writer: DatabaseQueue())
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    private init(writer: any DatabaseWriter) throws {
        self.writer = writer
        self.path = nil
        self.fileIdentity = nil
        try migrate()
    }

    /// The migrations this binary knows, as a GRDB migrator.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in Migrations.all {
            migrator.registerMigration(migration.id) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }

    private func migrate() throws(StoreError) {
        do {
            let migrator = Self.migrator
            let unknown = try writer.read { db in
                try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
            }
            if !unknown.isEmpty { throw StoreError.newerSchema(unknown.sorted()) }
            try migrator.migrate(writer)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    /// The ids of the applied migrations, oldest first.
    package func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try Self.migrator.appliedMigrations(db) }
    }

    // MARK: - Commands

    /// Creates the train `train`, recorded as its first event. A repeat of the request under
    /// `idempotency` returns the first outcome and changes nothing.
    @discardableResult
    package func create(
        _ train: Train,
        by actor: Actor,
        at time: Date,
        idempotency: IdempotencyKey? = nil
    ) throws(StoreError) -> CommandOutcome {
        let time = Self.storable(time)
        return try write { db in
            try Self.once(db, idempotency, at: time, replayed: { $0.replayed = true }) {
                try Self.create(db, train, by: actor, at: time)
            }.answer
        }
    }

    private static func create(_ db: Database, _ train: Train, by actor: Actor, at time: Date) throws
        -> CommandOutcome
    {
        let version = train.version.description
        // Trains of this version so far: a new one only when every one of them was aborted.
        let earlier = try Row.fetchAll(
            db, sql: "SELECT version, stage FROM train WHERE version = ? OR substr(version, 1, ?) = ?",
            arguments: [version, version.utf8.count + 1, version + "-"])
        var created = train
        let trains = earlier.map { row in
            (name: row["version"] as String, stage: Stage(rawValue: row["stage"]) ?? .planned)
        }
        switch Train.attempt(after: trains) {
        case .success(let attempt): created.attempt = attempt
        case .failure(let standing): throw StoreError.trainExists(standing.name)
        }
        let initial = created
        let events: [TrainEvent] = [.created(initial)]
        created.apply(events, by: actor, at: time)
        try db.execute(
            sql: """
                INSERT INTO train (version, stage, rc, state, created_at) VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [
                created.name, created.stage.rawValue, created.rc, try Self.headerJSON(created),
                time.timeIntervalSince1970,
            ]
        )
        try Self.saveMembers(db, created, changedFrom: nil)
        return try Self.record(db, train: created, events: events, command: "create", actor: actor, at: time)
    }

    /// Decides `command` on the train and, when accepted, records it: one transaction.
    ///
    /// Refused when `expectRevision` is given and the train has moved on, or when the machine
    /// rejects it. A repeat of the request under `idempotency` returns the first outcome and
    /// changes nothing; the same key with another request is refused.
    @discardableResult
    package func execute(
        _ command: TrainCommand,
        on version: String,
        by actor: Actor,
        at time: Date,
        expectRevision: Int? = nil,
        idempotency: IdempotencyKey? = nil
    ) throws(StoreError) -> CommandOutcome {
        let time = Self.storable(time)
        let cache = self.cache
        let (outcome, train) = try write { db in
            try Self.execute(
                db,
                command,
                on: version,
                by: actor,
                at: time,
                expectRevision: expectRevision,
                idempotency: idempotency,
                cache: cache
            )
        }
        // Only a committed state goes into the cache.
        if let train { cache.store(train) }
        return outcome
    }

    /// Several commands of one train, decided and recorded in one transaction: each against the
    /// state the one before it left, the first against `expectRevision` (when given). Refused
    /// whole when any one is: nothing is recorded then.
    package func execute(
        all commands: [TrainCommand], on version: String, by actor: Actor, at time: Date, expectRevision: Int? = nil
    ) throws(StoreError) -> [CommandOutcome] {
        let time = Self.storable(time)
        let (outcomes, train) = try write { db in
            var outcomes: [CommandOutcome] = []
            var last: Train? = nil
            for (index, command) in commands.enumerated() {
                let (outcome, train) = try Self.execute(
                    db, command, on: version, by: actor, at: time, expectRevision: index == 0 ? expectRevision : nil)
                outcomes.append(outcome)
                last = train ?? last
            }
            return (outcomes, last)
        }
        if let train { cache.store(train) }
        return outcomes
    }

    /// `execute` inside a transaction the caller holds; also returns the new state when it changed.
    @discardableResult
    static func execute(
        _ db: Database,
        _ command: TrainCommand,
        on version: String,
        by actor: Actor,
        at time: Date,
        expectRevision: Int? = nil,
        idempotency: IdempotencyKey? = nil,
        cache: TrainCache? = nil
    ) throws -> (CommandOutcome, Train?) {
        if let idempotency, var earlier = try replay(db, idempotency, as: CommandOutcome.self) {
            earlier.replayed = true
            return (earlier, nil)
        }
        let before = try load(db, version, cache: cache)
        if let expected = expectRevision, expected != before.revision {
            throw StoreError.staleRevision(expected: expected, actual: before.revision)
        }
        let events: [TrainEvent]
        switch before.decide(command, by: actor, at: time) {
        case .success(let decided): events = decided
        case .failure(let rejection): throw StoreError.rejected(rejection)
        }
        if events.isEmpty {
            let outcome = CommandOutcome(train: before.name, revision: before.revision, events: [], replayed: false)
            if let idempotency { try remember(db, idempotency, answer: outcome, at: time) }
            return (outcome, nil)
        }
        let (outcome, train) = try persist(db, events, on: before, command: command.name, by: actor, at: time)
        if let idempotency { try remember(db, idempotency, answer: outcome, at: time) }
        return (outcome, train)
    }

    /// Applies decided `events` to `before` and records them, inside the caller's transaction:
    /// the train's row, the members that changed, the log and the outbox.
    private static func persist(
        _ db: Database, _ events: [TrainEvent], on before: Train, command: String, by actor: Actor, at time: Date
    ) throws -> (CommandOutcome, Train) {
        var train = before
        train.apply(events, by: actor, at: time)
        if header(of: train) != header(of: before) {
            try db.cachedStatement(sql: "UPDATE train SET stage = ?, rc = ?, state = ? WHERE version = ?")
                .execute(arguments: [train.stage.rawValue, train.rc, try headerJSON(train), train.name])
        }
        try saveMembers(db, train, changedFrom: before)
        return (try record(db, train: train, events: events, command: command, actor: actor, at: time), train)
    }

    /// Ends train `old` and creates `next` in its place, in one transaction: `next` is created
    /// (a new train of its version, as `create` makes it), the core decides the supersession
    /// (`Train.supersede`), the old train records its end and the new one what it carried over,
    /// each in its own log. Refused whole, creating nothing, when the core refuses, when `old`
    /// moved past `expectRevision`, or when `next`'s version has a train standing. `beforeCommit`
    /// runs last inside the transaction with the decision, so a refusal there undoes it all.
    package func supersede(
        _ old: String, by next: Train, by actor: Actor, at time: Date, expectRevision: Int? = nil,
        idempotency: IdempotencyKey? = nil, beforeCommit: (Supersession, Train) throws -> Void = { _, _ in }
    ) throws(StoreError) -> SupersedeOutcome {
        let time = Self.storable(time)
        let (outcome, trains) = try write { db -> (SupersedeOutcome, [Train]) in
            if let idempotency, var earlier = try Self.replay(db, idempotency, as: SupersedeOutcome.self) {
                earlier.replayed = true
                return (earlier, [])
            }
            let before = try Self.load(db, old, cache: cache)
            if let expected = expectRevision, expected != before.revision {
                throw StoreError.staleRevision(expected: expected, actual: before.revision)
            }
            // The new train's name (`2.7.0-2` after an aborted 2.7.0) is decided by its creation.
            let created = try Self.create(db, next, by: actor, at: time)
            let fresh = try Self.load(db, created.train, exact: true)
            let decided: Supersession
            switch before.supersede(by: fresh, by: actor, at: time) {
            case .success(let supersession): decided = supersession
            case .failure(let rejection): throw StoreError.rejected(rejection)
            }
            let (ended, endedTrain) = try Self.persist(
                db, decided.ended, on: before, command: "supersede", by: actor, at: time)
            let (started, startedTrain) = try Self.persist(
                db, decided.started, on: fresh, command: "supersede", by: actor, at: time)
            try beforeCommit(decided, startedTrain)
            let outcome = SupersedeOutcome(
                ended: ended, created: created, started: started, carries: decided.carries, replayed: false)
            if let idempotency { try Self.remember(db, idempotency, answer: outcome, at: time) }
            return (outcome, [endedTrain, startedTrain])
        }
        for train in trains { cache.store(train) }
        return outcome
    }

    /// The train without its members and revision, as the `train.state` column keeps it (the
    /// revision is the event log's, the members have their rows).
    static func header(of train: Train) -> Train {
        var header = train
        header.members = []
        header.revision = 0
        return header
    }

    static func headerJSON(_ train: Train) throws -> String {
        try json(header(of: train))
    }

    /// Writes the member rows that changed (all of them for a new train).
    static func saveMembers(_ db: Database, _ train: Train, changedFrom before: Train?) throws {
        let version = train.name
        for (position, member) in train.members.enumerated() {
            if let before, position < before.members.count, before.members[position] == member { continue }
            try db.cachedStatement(
                sql: """
                    INSERT INTO member (train, name, position, reason, state, wave, since, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (train, name) DO UPDATE SET position = excluded.position, reason = excluded.reason,
                        state = excluded.state, wave = excluded.wave, since = excluded.since, detail = excluded.detail
                    """
            ).execute(
                arguments: [
                    version, member.name, position, member.reason.rawValue, member.state.rawValue, member.wave,
                    member.since.timeIntervalSince1970, try json(member),
                ]
            )
        }
    }

    /// Appends the events, mirrors the members and enqueues the notifications.
    private static func record(
        _ db: Database,
        train: Train,
        events: [TrainEvent],
        command: String,
        actor: Actor,
        at time: Date
    ) throws -> CommandOutcome {
        let version = train.name
        for (position, event) in events.enumerated() {
            try db.cachedStatement(
                sql: """
                    INSERT INTO event (train, revision, position, actor, at, command, payload)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    version, train.revision, position, actor.description, time.timeIntervalSince1970, command,
                    try json(event),
                ]
            )
        }
        for notification in train.notices(for: events) {
            let id = "\(version)/\(train.revision)/\(notification.position)/\(notification.kind)"
            try db.execute(
                sql: """
                    INSERT INTO outbox (id, train, revision, kind, recipients, payload, created_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, version, train.revision, notification.kind, try json(notification.recipients),
                    try json(notification.payload), time.timeIntervalSince1970, time.timeIntervalSince1970,
                ]
            )
            for recipient in notification.recipients {
                try db.cachedStatement(
                    sql: "INSERT INTO delivery (id, message, recipient, next_attempt_at) VALUES (?, ?, ?, ?)"
                ).execute(arguments: ["\(id)/\(recipient)", id, recipient, time.timeIntervalSince1970])
            }
        }
        return CommandOutcome(train: version, revision: train.revision, events: events, replayed: false)
    }

    // MARK: - Reading

    /// The train's current state: by name (`2.6.0-2`) or by version, its newest train; with
    /// `exact`, only the train of exactly that name (as `trains()` lists them).
    package func train(_ version: String, exact: Bool = false) throws(StoreError) -> Train {
        let cache = self.cache
        return try read { db in try Self.load(db, version, exact: exact, cache: cache) }
    }

    /// Every train, newest first.
    package func trains() throws(StoreError) -> [TrainSummary] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT version, stage, rc, created_at,
                        (SELECT MAX(revision) FROM event WHERE event.train = train.version) AS revision,
                        (SELECT MAX(at) FROM event WHERE event.train = train.version) AS updated_at
                    FROM train ORDER BY created_at DESC
                    """
            )
            .map { row in
                TrainSummary(
                    version: row["version"],
                    stage: Stage(rawValue: row["stage"]) ?? .planned,
                    revision: row["revision"],
                    rc: row["rc"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    updatedAt: Date(timeIntervalSince1970: row["updated_at"])
                )
            }
        }
    }

    /// The train's events, oldest first, with who caused them and when.
    package func events(_ version: String) throws(StoreError) -> [LoggedEvent] {
        try read { db in
            let version = try Self.load(db, version).name
            return try Row.fetchAll(
                db,
                sql:
                    "SELECT revision, position, actor, at, command, payload FROM event WHERE train = ? ORDER BY revision, position",
                arguments: [version]
            ).map { row in
                LoggedEvent(
                    revision: row["revision"],
                    position: row["position"],
                    actor: row["actor"],
                    at: Date(timeIntervalSince1970: row["at"]),
                    command: row["command"],
                    event: try JSONDecoder().decode(TrainEvent.self, from: Data((row["payload"] as String).utf8))
                )
            }
        }
    }

    /// The notifications with a delivery still to make, oldest first.
    package func pendingNotifications() throws(StoreError) -> [OutboxRow] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, train, kind, recipients, payload FROM outbox
                    WHERE id IN (SELECT message FROM delivery WHERE state = 'pending') ORDER BY created_at, id
                    """
            ).map { row in
                OutboxRow(
                    id: row["id"],
                    train: row["train"],
                    kind: row["kind"],
                    recipients: try JSONDecoder().decode([String].self, from: Data((row["recipients"] as String).utf8)),
                    payload: row["payload"]
                )
            }
        }
    }

    /// The train a name or version means: `2.1.0-2` is the second train of 2.1.0 (`2.1.0-1`
    /// the first); a version alone means its newest train.
    static func resolve(_ db: Database, _ reference: String) throws -> String {
        if let dash = reference.lastIndex(of: "-"), reference[reference.index(after: dash)...] == "1" {
            return String(reference[..<dash])
        }
        // Compared as text, not as a pattern: a reference holding `*` or `?` names no train.
        let names = try String.fetchAll(
            db, sql: "SELECT version FROM train WHERE version = ? OR substr(version, 1, ?) = ?",
            arguments: [reference, reference.utf8.count + 1, reference + "-"])
        func attempt(_ name: String) -> Int? {
            if name == reference { return 1 }
            let suffix = name.dropFirst(reference.count + 1)
            return suffix.allSatisfy(\.isASCII) ? Int(suffix) : nil
        }
        return names.compactMap { name in attempt(name).map { (name, $0) } }.max { $0.1 < $1.1 }?.0 ?? reference
    }

    static func load(_ db: Database, _ reference: String, exact: Bool = false, cache: TrainCache? = nil) throws
        -> Train
    {
        let version = exact ? reference : try resolve(db, reference)
        guard
            let revision = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT MAX(revision) FROM event WHERE train = ?"),
                arguments: [version]
            )
        else {
            throw StoreError.unknownTrain(version)
        }
        if let cached = cache?.train(version, revision: revision) { return cached }
        let state = try String.fetchOne(db, sql: "SELECT state FROM train WHERE version = ?", arguments: [version])!
        var train = try JSONDecoder().decode(Train.self, from: Data(state.utf8))
        train.revision = revision
        train.members = try String.fetchAll(
            db,
            sql: "SELECT detail FROM member WHERE train = ? ORDER BY position",
            arguments: [version]
        ).map { try JSONDecoder().decode(TrainMember.self, from: Data($0.utf8)) }
        cache?.store(train)
        return train
    }

    // MARK: - Operations

    /// SQLite's integrity check, then every train rebuilt from its event log and compared with
    /// the live rows. Returns the differences; empty means consistent.
    package func verify() throws(StoreError) -> [String] {
        try read { db in
            var problems: [String] = []
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if integrity != ["ok"] { problems.append(contentsOf: integrity.map { "integrity: \($0)" }) }
            for version in try String.fetchAll(db, sql: "SELECT version FROM train ORDER BY version") {
                let live = try Self.load(db, version, exact: true)
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT revision, actor, at, payload FROM event WHERE train = ? ORDER BY revision, position",
                    arguments: [version]
                )
                var rebuilt: Train? = nil
                var batch: [TrainEvent] = []
                var batchRevision = -1
                var batchActor = Actor.policy
                var batchTime = Date(timeIntervalSince1970: 0)
                func flush() {
                    guard !batch.isEmpty else { return }
                    if rebuilt == nil, case .created(let initial) = batch[0] { rebuilt = initial }
                    rebuilt?.apply(batch, by: batchActor, at: batchTime)
                    batch = []
                }
                for row in rows {
                    let revision: Int = row["revision"]
                    if revision != batchRevision {
                        flush()
                        batchRevision = revision
                        batchActor = Actor(logged: row["actor"])
                        batchTime = Date(timeIntervalSince1970: row["at"])
                    }
                    batch.append(try JSONDecoder().decode(TrainEvent.self, from: Data((row["payload"] as String).utf8)))
                }
                flush()
                guard let rebuilt else {
                    problems.append("train \(version): no creation event in the log")
                    continue
                }
                if rebuilt != live {
                    problems.append(
                        "train \(version): the state rebuilt from the event log differs from the stored state")
                }
                let columns = try Row.fetchOne(
                    db, sql: "SELECT stage, rc FROM train WHERE version = ?", arguments: [version])!
                if columns["stage"] != rebuilt.stage.rawValue
                    || (columns["rc"] as Int?) != rebuilt.rc
                {
                    problems.append("train \(version): stage or rc columns differ from the event log")
                }
                let memberRows = try Row.fetchAll(
                    db, sql: "SELECT name, reason, state, wave FROM member WHERE train = ?", arguments: [version])
                let stored = Dictionary(uniqueKeysWithValues: memberRows.map { ($0["name"] as String, $0) })
                for member in rebuilt.members {
                    guard let row = stored[member.name] else {
                        problems.append("train \(version): member \(member.name) has no row")
                        continue
                    }
                    if row["state"] != member.state.rawValue || row["reason"] != member.reason.rawValue
                        || row["wave"] != member.wave
                    {
                        problems.append("train \(version): member \(member.name) row differs from the event log")
                    }
                }
                if stored.count != rebuilt.members.count {
                    problems.append(
                        "train \(version): \(stored.count) member rows for \(rebuilt.members.count) members")
                }
            }
            return problems
        }
    }

    /// An online, consistent copy of the database at `path`, while others write.
    package func backup(to path: String) throws(StoreError) {
        do {
            if FileManager.default.fileExists(atPath: path) {
                throw StoreError.backupExists(path)
            }
            let destination = try DatabaseQueue(path: path)
            try writer.backup(to: destination)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    // MARK: - Plumbing

    /// A file-system error as one short sentence (the POSIX reason when there is one).
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        return nsError.localizedDescription
    }

    /// `time` to the millisecond, as the log stores it: a command applied with the stored time
    /// and the same command replayed from the log then give identical states.
    static func storable(_ time: Date) -> Date {
        Date(timeIntervalSince1970: (time.timeIntervalSince1970 * 1_000).rounded() / 1_000)
    }

    static func json(_ value: some Encodable) throws -> String {
        try CompactJSONEncoder.encode(value)
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write { db in
                try ensureInPlace(db)
                return try body(db)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw StoreError.busy
        } catch {
            throw StoreError.database("\(error)")
        }
    }
}

extension Actor {
    /// Reads back the actor as the log writes it.
    init(logged text: String) {
        if text == "policy" {
            self = .policy
        } else if text.hasPrefix("runner:") {
            self = .runner(String(text.dropFirst("runner:".count)))
        } else {
            self = .person(text)
        }
    }
}
