import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore
import RailyardYAML

// The solver benchmark's Swift half (run by Benchmarks/solver_scale.py, release build): adopts
// the generated channel, drives a train of 30 members over 12 cells to `staged` through the
// store (every cell tested), then times the promotion's dry run, whose solver check runs every
// solve through the helper. With `--dry-run-only`, times the dry run of the train already there.
// Prints one JSON object of seconds, counts and bytes.

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: railyard-solve-bench WORKDIR [--dry-run-only]\n".utf8))
    exit(2)
}
let work = arguments[1]
let dryRunOnly = arguments.dropFirst(2).contains("--dry-run-only")
let store = try Store(path: work + "/railyard.sqlite", creating: !dryRunOnly)
let channel = try LocalChannel(path: work + "/channel")
let trains = TrainChannel(store: store, channel: channel)
let alice = Actor.person("alice")
let team = Actor.person("team")
let runner = Actor.runner("bench")
let now = Date()

func files(_ subdir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: work + "/new/" + subdir)) ?? []).sorted().map {
        work + "/new/" + subdir + "/" + $0
    }
}

/// Starts and passes every test on offer, in every cell, until none is left.
func passEverything() throws {
    while true {
        let offers = try store.train("2.6.0").testOffers(by: runner, at: now)
        if offers.isEmpty { return }
        for offer in offers {
            let cell = offer.cell?.key
            try store.execute(.startTest(member: offer.member, cell: cell), on: "2.6.0", by: runner, at: now)
            try store.execute(
                .reportTest(member: offer.member, rc: 1, passed: true, log: nil, cell: cell), on: "2.6.0", by: runner,
                at: now)
        }
    }
}

if !dryRunOnly {
    _ = try channel.index(committed: { _ in true })
    let catalog = try CatalogFile.load(path: work + "/distro.yml")
    let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
    try store.create(try Train.create(plan: plan, catalog: catalog, by: alice, at: now), by: alice, at: now)
    let all = files("linux-64") + files("noarch")
    func named(_ prefix: String) -> [String] { all.filter { ($0 as NSString).lastPathComponent.hasPrefix(prefix) } }
    try trains.registerRC(number: 1, files: named("pytorch-"), train: "2.6.0", by: alice, at: now)
    try store.execute(.advance, on: "2.6.0", by: alice, at: now)
    try store.execute(.advance, on: "2.6.0", by: alice, at: now)
    _ = try trains.stage(files: named("torchvision-") + named("torchaudio-"), train: "2.6.0", by: team, at: now)
    try passEverything()
    try store.execute(.advance, on: "2.6.0", by: alice, at: now)
    _ = try trains.stage(files: named("pkg"), train: "2.6.0", by: team, at: now)
    try passEverything()
    try store.execute(.advance, on: "2.6.0", by: alice, at: now)
    try store.execute(.reportIntegration(rc: 1, passed: true, log: nil), on: "2.6.0", by: runner, at: now)
    try store.execute(.markFinal(rc: 1), on: "2.6.0", by: alice, at: now)
}
let train = try store.train("2.6.0")
guard train.stage == .staged else { fail("the train did not reach staged: \(train.stage)") }

var dryRun: PromotionPlan? = nil
let dryRunSeconds = try seconds { dryRun = try trains.plan(train: "2.6.0").plan }
guard let dryRun else { fail("no dry run") }
guard dryRun.ok else { fail("the dry run does not hold: \(dryRun.failing.map { "\($0.name): \($0.detail)" })") }
let figures = SolveFigure.of(dryRun.solves)
let slowest = figures.max { $0.seconds < $1.seconds }
let result: [String: Any] = [
    "ok": dryRun.ok,
    "members": train.members.filter { $0.reason != .support }.count,
    "cells": train.cells.count,
    "solves": dryRun.solves.count,
    "dry_run_seconds": dryRunSeconds,
    "solver_seconds": dryRun.solves.reduce(0) { $0 + $1.seconds },
    "solver_peak_memory_bytes": figures.compactMap(\.peakMemoryBytes).max() ?? 0,
    "slowest_cell": slowest?.cell ?? "",
    "slowest_cell_seconds": slowest?.seconds ?? 0,
    "figures": figures.map { ["cell": $0.cell, "solves": $0.solves, "seconds": $0.seconds] },
]
print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
