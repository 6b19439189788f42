import RailyardCore
import Testing

/// Who may ask for what, by a token's role: the whole table, once.
@Suite("roles: what each token role may ask for")
struct RoleTests {
    /// The designed table: for each action, the roles that may ask for it.
    static let table: [Action: Set<Role>] = [
        .read: [.releaseManager, .maintainer, .ci, .readOnly],
        .create: [.releaseManager], .registerRC: [.releaseManager], .advance: [.releaseManager],
        .markFinal: [.releaseManager], .abort: [.releaseManager], .exclude: [.releaseManager],
        .waive: [.releaseManager], .promote: [.releaseManager], .sweep: [.releaseManager],
        .indexChannel: [.releaseManager], .verifyChannel: [.releaseManager], .revoke: [.releaseManager],
        .supersede: [.releaseManager],
        .acknowledge: [.releaseManager, .maintainer], .decline: [.releaseManager, .maintainer],
        .stage: [.releaseManager, .maintainer],
        .claim: [.releaseManager, .ci], .heartbeat: [.releaseManager, .ci], .report: [.releaseManager, .ci],
    ]

    @Test("every role against every action: allowed exactly where the table says", arguments: Role.allCases)
    func matrix(role: Role) {
        #expect(Set(Self.table.keys) == Set(Action.allCases))
        for action in Action.allCases {
            #expect(
                role.may(action) == (Self.table[action] ?? []).contains(role), "\(role.rawValue) \(action.rawValue)")
        }
    }

    @Test("a CI token acts as a runner, every other as a person")
    func actors() {
        #expect(Role.ci.actor(named: "r1") == .runner("r1"))
        #expect(Role.maintainer.actor(named: "team") == .person("team"))
        #expect(Role.releaseManager.actor(named: "alice") == .person("alice"))
    }

    @Test("a maintainer token may ask; the train decides by the catalog whether this person may")
    func maintainersFromTheCatalog() throws {
        var script = try TrainScript.train(in: .companions)
        let stranger = Role.maintainer.actor(named: "mallory")
        #expect(Role.maintainer.may(Action(.acknowledge(member: "torchvision", eta: nil))))
        guard
            case .failure(.notAllowed) = script.train.decide(
                .acknowledge(member: "torchvision", eta: nil), by: stranger, at: TrainScript.start)
        else {
            Issue.record("a person the catalog does not name as torchvision's maintainer acknowledged it")
            return
        }
        try script.must(.acknowledge(member: "torchvision", eta: nil), by: TrainScript.team)
    }

    @Test("each train command is the action its route asks the role for")
    func commandsAsActions() {
        #expect(Action(.advance) == .advance)
        #expect(Action(.registerRC(number: 1, artifacts: [])) == .registerRC)
        #expect(Action(.acknowledge(member: "x", eta: nil)) == .acknowledge)
        #expect(Action(.registerBuild(member: "x", version: try! Version("1"), depends: [])) == .stage)
        #expect(Action(.reportTest(member: "x", rc: 1, passed: true, log: nil)) == .report)
        #expect(Action(.startTest(member: "x")) == .claim)
        #expect(Action(.sweepDeadlines) == .sweep)
        #expect(Action(.release) == .promote)
    }
}
