// Commands per second through the store, next to raw SQLite insert-and-commit of rows of the
// same size, in the same run, on the same kind of database file (WAL, the store's settings:
// synchronous FULL). Each command and each raw row is its own durable transaction.
//
//   swift run -c release railyard-store-bench [COMMANDS]
import Foundation
import GRDB
import RailyardCore
import RailyardStore
import RailyardYAML

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2_000 : 2_000
let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "railyard-store-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

let catalogPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples/pytorch/distro.yml").path
let catalog = try CatalogFile.load(path: catalogPath)
let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
let alice = Actor.person("alice")
var now = Date(timeIntervalSince1970: 1_750_000_000)

// The store: a train waiting for torchvision's maintainers, who acknowledge again and again
// (each an accepted command: an event, the train's state, a member row).
let store = try Store(path: directory.appendingPathComponent("store.sqlite").path, creating: true)
try store.create(try Train.create(plan: plan, catalog: catalog, by: alice, at: now), by: alice, at: now)
// RC 1's files, one per platform subdir (the store keeps what the channel registered).
let rcFiles = catalog.subdirs.filter { $0 != "noarch" }.map {
    Artifact(subdir: $0, fileName: "pytorch-2.6.0-py311_0.conda", sha256: String(repeating: "a", count: 64))
}
try store.execute(.registerRC(number: 1, artifacts: rcFiles), on: "2.6.0", by: alice, at: now)
try store.execute(.advance, on: "2.6.0", by: alice, at: now)
try store.execute(.advance, on: "2.6.0", by: alice, at: now)

// What one command writes: its event row, the member's row (its JSON), and the train row's
// revision; the raw rows carry the same number of bytes.
let sample = try store.train("2.6.0")
let eventBytes = try JSONEncoder().encode(TrainEvent.acknowledged(member: "torchvision", eta: now)).count
let memberBytes = try JSONEncoder().encode(sample.member("torchvision")!).count
let rowBytes = eventBytes + memberBytes + 128

let clock = ContinuousClock()
let storeStart = clock.now
for index in 0..<count {
    now = now.addingTimeInterval(1)
    try store.execute(
        .acknowledge(member: "torchvision", eta: now.addingTimeInterval(Double(index))),
        on: "2.6.0",
        by: .person("vision-team"),
        at: now
    )
}
let storeSeconds = (clock.now - storeStart).seconds

// Raw SQLite, same file settings, two baselines per transaction:
//  - one row holding as many bytes as the command writes in all;
//  - the same rows the command writes: an event-sized row appended to one table and a
//    member-sized row rewritten in another (two B-trees, as the store touches).
let raw = try Store.open(directory.appendingPathComponent("raw.sqlite").path)
guard try raw.write({ try Int.fetchOne($0, sql: "PRAGMA synchronous") }) == 2 else {
    fatalError("not synchronous FULL")
}
try raw.write { db in
    try db.execute(sql: "CREATE TABLE row (id INTEGER PRIMARY KEY, payload TEXT NOT NULL) STRICT")
    try db.execute(sql: "CREATE TABLE log (id INTEGER PRIMARY KEY, payload TEXT NOT NULL) STRICT")
    try db.execute(sql: "CREATE TABLE state (name TEXT PRIMARY KEY, payload TEXT NOT NULL) STRICT")
}
let payload = String(repeating: "x", count: rowBytes)
let rawStart = clock.now
for _ in 0..<count {
    try raw.write { db in try db.execute(sql: "INSERT INTO row (payload) VALUES (?)", arguments: [payload]) }
}
let rawSeconds = (clock.now - rawStart).seconds
let eventPayload = String(repeating: "e", count: eventBytes + 64)
let memberPayload = String(repeating: "m", count: memberBytes + 64)
let pairStart = clock.now
for index in 0..<count {
    try raw.write { db in
        try db.execute(sql: "INSERT INTO log (payload) VALUES (?)", arguments: [eventPayload])
        try db.execute(
            sql:
                "INSERT INTO state (name, payload) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET payload = excluded.payload",
            arguments: ["torchvision", memberPayload + String(index % 10)]
        )
    }
}
let pairSeconds = (clock.now - pairStart).seconds

guard try store.verify().isEmpty else { fatalError("the store does not verify after the benchmark") }
let storeRate = Double(count) / storeSeconds
let rawRate = Double(count) / rawSeconds
let pairRate = Double(count) / pairSeconds
print("\(count) durable transactions each (WAL, synchronous FULL); a command writes \(rowBytes) bytes")
print("store commands:                         \(String(format: "%8.0f", storeRate))/s")
print(
    "raw SQLite, one row of \(rowBytes) B:         \(String(format: "%8.0f", rawRate))/s  (store: \(String(format: "%.0f", storeRate / rawRate * 100)) %)"
)
print(
    "raw SQLite, the same two rows:          \(String(format: "%8.0f", pairRate))/s  (store: \(String(format: "%.0f", storeRate / pairRate * 100)) %)"
)
let ratio = storeRate / pairRate
print("floor (50 % of raw writing the same rows): \(ratio >= 0.5 ? "met" : "NOT met")")
exit(ratio >= 0.5 ? 0 : 1)

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
