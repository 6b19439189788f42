import Foundation
import PropertyBased
import RailyardCore
import Testing

/// Random command sequences thrown at the machine, checking what must always hold.
@Suite("Train: properties over random command sequences")
struct TrainPropertyTests {
    static let members = ["torchvision", "kornia", "scatter", "captum", "timm", "pyg", "nope"]
    static let actors: [Actor] = [TrainScript.alice, TrainScript.team, TrainScript.runner, .person("mallory"), .policy]

    /// One random step: which command, on which member, by whom, with which flag, and when.
    struct Step: Sendable, CustomStringConvertible {
        var command: Int
        var member: Int
        var actor: Int
        var flag: Bool
        var hours: Int
        /// Whether the command comes from the role the rules expect (most do).
        var proper: Bool
        var description: String { "(\(command),\(member),\(actor),\(flag),\(hours)h,\(proper))" }
    }

    static var steps: Generator<[Step], some SendableSequenceType> {
        zip(
            zip(Gen.int(in: 0...17), Gen.int(in: 0...(members.count - 1))),
            Gen.int(in: 0...(actors.count - 1)),
            Gen.bool(0.8),
            Gen.int(in: 0...72),
            Gen.bool(0.9)
        ).map { pair, actor, flag, hours, proper in
            Step(command: pair.0, member: pair.1, actor: actor, flag: flag, hours: hours, proper: proper)
        }.array(of: 20...200)
    }

    /// The actor of a step: the role the command belongs to, or (rarely) anyone.
    static func actor(_ step: Step, _ command: TrainCommand) -> Actor {
        guard step.proper else { return actors[step.actor] }
        switch command {
        case .acknowledge, .decline, .registerBuild: return TrainScript.team
        case .startTest, .reportTest, .reportBuild, .reportIntegration, .claimWork, .extendLease, .reportWork:
            return TrainScript.runner
        case .sweepDeadlines, .abandonTest: return .policy
        case .registerRC, .advance, .exclude, .waive, .markFinal, .release, .recordInstallability, .abort:
            return TrainScript.alice
        }
    }

    /// The RC of a train built per cell: python 3.11/3.12 × CPU/CUDA 12.1 on linux-64.
    static let cells: [Variant] = ["3.11", "3.12"].flatMap { python in
        ["cpu", "cuda12.1"].map { Variant(subdir: "linux-64", python: python, flavour: $0) }
    }

    static func files(_ name: String, _ cells: [Variant]) -> [Artifact] {
        cells.map {
            Artifact(subdir: $0.subdir, fileName: "\(name)-\($0.cell).conda", sha256: "\(name)\($0.cell)", variant: $0)
        }
    }

    /// `command(step, train)` for a train whose RC has cells: RCs, builds, claims, tests and
    /// reports name cells (a random one, or none: the whole member).
    static func cellCommand(_ step: Step, _ train: Train) -> TrainCommand {
        let base = command(step, train)
        let cell = step.hours % 5 == 4 ? nil : cells[step.hours % cells.count].key
        switch base {
        case .registerRC(let number, let artifacts):
            return .registerRC(number: number, artifacts: artifacts.isEmpty ? [] : files("pytorch", cells))
        case .registerBuild(let member, let version, let depends, _):
            return .registerBuild(
                member: member, version: version, depends: depends,
                artifacts: files(member, step.flag ? cells : Array(cells.prefix(2))))
        case .startTest(let member, _): return .startTest(member: member, cell: cell)
        case .reportTest(let member, let rc, let passed, let log, _):
            return .reportTest(member: member, rc: rc, passed: passed, log: log, cell: cell)
        case .reportBuild(let member, let rc, let passed, let log, _):
            return .reportBuild(member: member, rc: rc, passed: passed, log: log, cell: cell)
        case .claimWork(let kind, let member, _, _, let lease):
            let pools: [(String?, String?)] = [(nil, nil), ("linux-64", "cuda12.1"), (nil, "py3.11"), ("win-64", nil)]
            let pool = pools[step.member % pools.count]
            return .claimWork(kind: kind, member: member, subdir: pool.0, variant: pool.1, leaseSeconds: lease)
        default:
            return base
        }
    }

    static func command(_ step: Step, _ train: Train) -> TrainCommand {
        // Mostly the first member still in the way, so that sequences get far; sometimes any.
        let inTheWay = train.members.first {
            $0.state != .passed && $0.state != .excluded && (train.stage != .companions || $0.reason == .companion)
        }?.name
        let member = step.member < 4 ? (inTheWay ?? members[step.member]) : members[step.member]
        let rc = train.rc ?? 0
        switch step.command {
        case 0:
            // The first RC often; a respin now and then; sometimes a stale number or no artifacts.
            guard train.rc == nil || step.hours < 10 else { return .advance }
            return .registerRC(number: step.flag ? rc + 1 : max(1, rc), artifacts: step.flag ? .rc("linux-64") : [])
        case 1, 2: return .advance
        case 3: return .acknowledge(member: member, eta: nil)
        case 4: return .decline(member: member, reason: step.flag ? "busy" : "")
        case 5, 6:
            let target = train.member(member)?.targetVersion ?? (try! Version("9.9"))
            return .registerBuild(
                member: member,
                version: target,
                depends: step.flag ? ["pytorch >=2.6,<2.7", "torchvision >=0.21,<0.22"] : ["pytorch 2.5.*"]
            )
        case 7: return .startTest(member: member)
        case 8:
            // CI's claims: any work, or a member's by name, under leases from a minute to three days.
            return .claimWork(kind: nil, member: step.flag ? nil : member, leaseSeconds: 60 + step.hours * 3_600)
        case 16:
            let work = train.heldClaims.first?.id ?? "\(train.version):test:\(member):rc\(rc)"
            return .reportWork(work: work, passed: step.hours % 3 != 0, log: nil)
        case 17: return .extendLease(work: train.heldClaims.last?.id ?? "none", leaseSeconds: 600)
        case 9:
            return .reportBuild(member: member, rc: step.flag ? rc : rc - 1, passed: step.hours % 3 != 0, log: nil)
        case 10:
            return .reportTest(member: member, rc: step.flag ? rc : rc - 1, passed: step.hours % 3 != 0, log: nil)
        case 11: return .reportIntegration(rc: step.flag ? rc : rc - 1, passed: step.hours % 4 != 0, log: nil)
        case 12:
            return step.hours < 8
                ? .exclude(member: member, reason: "out", cascade: step.hours % 2 == 0)
                : .waive(member: member, reason: "ok")
        case 13: return .markFinal(rc: step.flag ? rc : rc + 1)
        case 14: return step.flag ? .release : .sweepDeadlines
        default: return step.hours > 71 ? .abort(reason: "stop") : .advance
        }
    }

    @Test("invariants hold after every command of a random sequence")
    func invariants() async {
        await propertyCheck(count: 400, input: Self.steps) { steps in
            var script = try TrainScript(onDeadline: steps.count % 2 == 0 ? .exclude : .escalate)
            for step in steps {
                let before = script.train
                let command = Self.command(step, before)
                let result = script.run(command, by: Self.actor(step, command), after: TimeInterval(step.hours * 3_600))
                switch result {
                case .success(let events):
                    #expect(script.train.revision == before.revision + 1, "revision moves by one per command")
                    if events.contains(.released) {
                        #expect(before.gateHolds(leaving: .staged), "released only with every gate green")
                    }
                    #expect(script.train.fallbackStage == nil, "the machine settles on the first open gate")
                    if before.stage.isTerminal { Issue.record("\(command) accepted after \(before.stage)") }
                case .failure:
                    #expect(script.train == before, "a refused command changes nothing")
                }
                for member in script.train.members where member.state == .passed {
                    #expect(member.result?.rc == script.train.rc, "\(member.name) passed against a stale RC")
                }
                for member in script.train.members {
                    if let failure = member.buildFailure {
                        #expect(failure.rc == script.train.rc, "\(member.name) keeps a stale build failure")
                    }
                }
                if script.train.stage >= .staged && !script.train.stage.isTerminal {
                    #expect(script.train.gateHolds(leaving: .downstream))
                }
            }
            #expect(script.replayed == script.train, "the event log rebuilds the state")
        }
    }

    @Test(
        "per cell: a member passes only with every cell it must pass, fails only with a failure, and the log rebuilds it"
    )
    func cellInvariants() async {
        await propertyCheck(count: 300, input: Self.steps) { steps in
            var script = try TrainScript(onDeadline: steps.count % 2 == 0 ? .exclude : .escalate)
            for step in steps {
                let before = script.train
                let command = Self.cellCommand(step, before)
                let result = script.run(command, by: Self.actor(step, command), after: TimeInterval(step.hours * 3_600))
                if case .failure = result { #expect(script.train == before, "a refused command changes nothing") }
                let train = script.train
                for member in train.members where member.cellResults != nil {
                    let required = train.requiredCells(of: member).map(\.key)
                    if member.state == .passed && member.waiver == nil {
                        #expect(
                            required.allSatisfy { train.cellResult(of: member, in: $0)?.passed == true },
                            "\(member.name) passed with a cell not passed")
                    }
                    if member.state == .failed {
                        #expect(
                            required.contains { train.cellResult(of: member, in: $0)?.passed == false }
                                || member.result?.passed == false,
                            "\(member.name) failed with no failure")
                    }
                }
                // Nobody holds a cell twice.
                let held = train.heldClaims.map(\.id)
                #expect(Set(held).count == held.count)
                if train.stage >= .staged && !train.stage.isTerminal {
                    #expect(train.gateHolds(leaving: .downstream))
                }
            }
            #expect(script.replayed == script.train, "the event log rebuilds the state")
        }
    }
}
