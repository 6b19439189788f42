/// Why the machine refused a command: the guard that failed, as a value.
package enum TrainRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongStage(command: String, stage: Stage, allowed: [Stage])
    case gateNotMet(from: Stage, failing: [GateCheck])
    case notAllowed(actor: String, command: String, needs: String)
    case unknownMember(String)
    case memberState(member: String, state: MemberState, command: String, expected: [MemberState])
    case rcNotNewer(current: Int, given: Int)
    case invalidRCNumber(Int)
    case staleRC(given: Int, current: Int?)
    case noRC
    /// An RC named without files, and none of the core's files at the train's version are on the
    /// staging label.
    case noRCFiles(number: Int, core: String, version: String)
    case buildExcludesTrain(member: String, spec: String, package: String, version: String)
    case invalidSpec(member: String, spec: String, message: String)
    case waitingFor(member: String, parents: [String])
    case blockedByExclusion(member: String, parents: [String])
    case missingReason(command: String)
    /// A reason longer than `Train.maxReasonLength` characters.
    case reasonTooLong(command: String, length: Int)
    case notACompanion(member: String, stage: Stage)
    case notBuiltByCI(member: String)
    case buildNotStaged(member: String, rc: Int)
    /// No claim with that id: never claimed, already reported, or its lease expired.
    case unknownWork(String)
    /// A cell the member is not built or tested in.
    case unknownCell(member: String, cell: String, cells: [String])
    /// The claim is another runner's.
    case notYourClaim(id: String, holder: String)
    /// `supersede` names a train of another core, or a version not newer than the train's.
    case supersedeNotNewer(train: String, core: String, version: String, by: String)

    /// A machine-readable code.
    package var code: String {
        switch self {
        case .wrongStage: "wrong-stage"
        case .gateNotMet: "gate-not-met"
        case .notAllowed: "not-allowed"
        case .unknownMember: "unknown-member"
        case .memberState: "member-state"
        case .rcNotNewer: "rc-not-newer"
        case .invalidRCNumber: "invalid-rc-number"
        case .staleRC: "stale-rc"
        case .noRC: "no-rc"
        case .noRCFiles: "no-rc-files"
        case .buildExcludesTrain: "build-excludes-train"
        case .invalidSpec: "invalid-spec"
        case .waitingFor: "waiting-for"
        case .blockedByExclusion: "blocked-by-exclusion"
        case .missingReason: "missing-reason"
        case .reasonTooLong: "reason-too-long"
        case .notACompanion: "not-a-companion"
        case .notBuiltByCI: "not-built-by-ci"
        case .buildNotStaged: "build-not-staged"
        case .unknownWork: "unknown-work"
        case .unknownCell: "unknown-cell"
        case .notYourClaim: "not-your-claim"
        case .supersedeNotNewer: "supersede-not-newer"
        }
    }

    /// A sentence a person can act on.
    package var description: String {
        switch self {
        case .wrongStage(let command, let stage, let allowed):
            "\(command) is not allowed while the train is \(stage.rawValue) (only in: \(allowed.map(\.rawValue).joined(separator: ", ")))"
        case .gateNotMet(let from, let failing):
            "the gate to leave \(from.rawValue) does not hold: "
                + failing.map { "\($0.name) (\($0.detail))" }.joined(separator: "; ")
        case .notAllowed(let actor, let command, let needs):
            "\(actor) may not \(command): \(needs)"
        case .unknownMember(let name):
            "'\(name)' is not a member of this train"
        case .memberState(let member, let state, let command, let expected):
            "\(command) needs \(member) to be \(expected.map(\.rawValue).joined(separator: " or ")); it is \(state.rawValue)"
        case .rcNotNewer(let current, let given):
            "RC \(given) is not newer than the current RC \(current)"
        case .invalidRCNumber(let number):
            "RC numbers run from \(Train.rcNumbers.lowerBound) to \(Train.rcNumbers.upperBound); \(number) is not one"
        case .staleRC(let given, let current):
            "the result is for RC \(given), but the current RC is \(current.map(String.init) ?? "none"): it is stale"
        case .noRC:
            "no RC is registered yet"
        case .noRCFiles(let number, let core, let version):
            "RC \(number) has no files: none of \(core) \(version) is on the staging label train-\(version); register its files with it (railyard train rc \(version) --number \(number) FILE…, or railyard stage FILE --train \(version) --rc \(number))"
        case .buildExcludesTrain(let member, let spec, let package, let version):
            "the build of \(member) pins '\(spec)', which excludes \(package) \(version) of this train: rebuild it against the train"
        case .invalidSpec(let member, let spec, let message):
            "the build of \(member) declares '\(spec)': \(message)"
        case .waitingFor(let member, let parents):
            "\(member) is waiting for \(parents.joined(separator: ", ")) to pass first"
        case .blockedByExclusion(let member, let parents):
            "\(member) needs \(parents.joined(separator: ", ")), which were excluded and whose versions on main it does"
                + " not admit: exclude it too, or register a build whose specs admit them"
        case .missingReason(let command):
            "\(command) needs a reason"
        case .reasonTooLong(let command, let length):
            "the reason of \(command) is \(length) characters long; keep it to \(Train.maxReasonLength) and link to the details"
        case .notACompanion(let member, let stage):
            "only companions are built while the train is \(stage.rawValue); \(member) waits for downstream"
        case .notBuiltByCI(let member):
            "\(member) is not rebuilt for each RC (neither a companion nor a C++/CUDA extension): its maintainers register its build"
        case .unknownWork(let id):
            "no claim \(id): never claimed, already reported, or its lease expired; claim work again with railyard ci claim"
        case .notYourClaim(let id, let holder):
            "\(id) is claimed by \(holder); only the runner holding a claim reports it or extends its lease"
        case .unknownCell(let member, let cell, let cells):
            "\(member) is not built or tested in \(cell); its cells: "
                + (cells.isEmpty ? "none (it is tested as a whole)" : cells.joined(separator: ", "))
        case .supersedeNotNewer(let train, let core, let version, let by):
            "train \(train) of \(core) \(version) can only be superseded by a newer \(core), not by \(by): name a newer"
                + " version with --by, or end it with railyard train abort"
        case .buildNotStaged(let member, let rc):
            "no build of \(member) against RC \(rc) is staged yet: stage the artifact (railyard stage FILE --train ...) before reporting the build passed"
        }
    }
}
