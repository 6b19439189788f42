import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore
import RailyardYAML

// The channel benchmark's Swift half (run by Benchmarks/channel_scale.py, release build):
// adopts a channel of real packages, drives a train of many members to `staged` through the
// store, stages its builds, then times the dry run, the promotion and `channel verify`.
// Prints one JSON object of seconds and counts.

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: railyard-channel-bench WORKDIR\n".utf8))
    exit(2)
}
let work = arguments[1]
let catalog = try CatalogFile.load(path: work + "/distro.yml")
let store = try Store(path: work + "/railyard.sqlite", creating: true)
let channel = try LocalChannel(path: work + "/channel")
let trains = TrainChannel(store: store, channel: channel)
let alice = Actor.person("alice")
let team = Actor.person("team")
let runner = Actor.runner("bench")
let now = Date()

var indexSeconds = 0.0
var summary: IndexSummary? = nil
indexSeconds = try seconds { summary = try channel.index(committed: { _ in true }) }

let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
try store.create(try Train.create(plan: plan, catalog: catalog, by: alice, at: now), by: alice, at: now)
func files(_ subdir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: work + "/new/" + subdir)) ?? []).sorted().map {
        work + "/new/" + subdir + "/" + $0
    }
}
let subdirs = ((try? FileManager.default.contentsOfDirectory(atPath: work + "/new")) ?? []).sorted()
let coreFiles = subdirs.flatMap(files).filter { ($0 as NSString).lastPathComponent.hasPrefix("pytorch-") }
try trains.registerRC(number: 1, files: coreFiles, train: "2.6.0", by: alice, at: now)
try store.execute(.advance, on: "2.6.0", by: alice, at: now)
try store.execute(.advance, on: "2.6.0", by: alice, at: now)
try store.execute(.advance, on: "2.6.0", by: alice, at: now)
let memberFiles = subdirs.flatMap(files).filter { !($0 as NSString).lastPathComponent.hasPrefix("pytorch-") }
var stageSeconds = 0.0
stageSeconds = try seconds { _ = try trains.stage(files: memberFiles, train: "2.6.0", by: team, at: now) }
for member in try store.train("2.6.0").members {
    try store.execute(.startTest(member: member.name), on: "2.6.0", by: runner, at: now)
    try store.execute(.reportTest(member: member.name, rc: 1, passed: true, log: nil), on: "2.6.0", by: runner, at: now)
}
try store.execute(.advance, on: "2.6.0", by: alice, at: now)
try store.execute(.reportIntegration(rc: 1, passed: true, log: nil), on: "2.6.0", by: runner, at: now)
try store.execute(.markFinal(rc: 1), on: "2.6.0", by: alice, at: now)

var dryRun: PromotionPlan? = nil
let planSeconds = try seconds { dryRun = try trains.plan(train: "2.6.0").plan }
guard let dryRun, dryRun.ok else {
    FileHandle.standardError.write(Data("the dry run does not hold: \(dryRun?.failing ?? [])\n".utf8))
    exit(1)
}
let promoteSeconds = try seconds { _ = try trains.promote(train: "2.6.0", by: alice, at: now) }
// Where a promotion's time goes: reading main, and writing its repodata.
var mainSnapshot: [String: Repodata] = [:]
let readMainSeconds = try seconds { mainSnapshot = try channel.snapshot(label: "main").subdirs }
let encodeMainSeconds = seconds { for repodata in mainSnapshot.values { _ = repodata.encoded() } }
var problems: [String] = []
let verifySeconds = seconds { problems = channel.verify() }
guard problems.isEmpty else {
    FileHandle.standardError.write(Data("verify: \(problems.prefix(5))\n".utf8))
    exit(1)
}
let mainAfter = try channel.snapshot(label: "main").subdirs.values.reduce(0) { $0 + $1.records.count }
let result: [String: Any] = [
    "main_records_before": summary?.labels["main"] ?? 0,
    "main_records_after": mainAfter,
    "gained": dryRun.gainCount,
    "members": try store.train("2.6.0").members.count,
    "index_seconds": indexSeconds,
    "stage_seconds": stageSeconds,
    "plan_seconds": planSeconds,
    "promote_seconds": promoteSeconds,
    "verify_seconds": verifySeconds,
    "read_main_seconds": readMainSeconds,
    "encode_main_seconds": encodeMainSeconds,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
