import ArgumentParser
import RailyardCore

/// `railyard plan`: what a new core release means for every package of the catalog.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a train: every member with its reason (companion, rebuild, bump, retest) and wave.",
        discussion: """
            Specs are judged against the final version (give 2.6.0, never 2.6.0rc1: in conda \
            2.6.0rc1 < 2.6, so a pin <2.6 would wrongly admit the RC). Companions not given with \
            --companion get a suggested version that carries the current pairing forward. Exits \
            0, or 1 when the plan breaks the policy (a bugfix train that needs a bump), or 2 on \
            bad input.

            Example:
              railyard plan --catalog examples/pytorch/distro.yml --core-version 2.6.0 --companion torchvision=0.21.0
            """
    )

    @Option(help: "The catalog file (YAML).") var catalog: String
    @Option(name: .customLong("core-version"), help: "The new version of the core (its final version number).")
    var coreVersion: String
    @Option(name: .customLong("companion"), help: "A companion's version in this train, as NAME=VERSION (repeatable).")
    var companions: [String] = []
    @OptionGroup var output: OutputOptions

    func run() throws {
        let catalog = try loadCatalog(self.catalog, json: output.json)
        let version: Version
        do {
            version = try Version(coreVersion)
        } catch {
            throw refuse(code: "invalid-version", message: "--core-version: \(error)", json: output.json)
        }
        let given = try parseCompanions(companions, json: output.json)
        let plan: Plan
        do {
            plan = try Planner.plan(catalog, coreVersion: version, companions: given)
        } catch {
            throw refuse(code: "plan-refused", message: error.description, json: output.json)
        }
        var out = OutputBuffer()
        if output.json {
            out.appendLine(json: plan.json)
        } else {
            out.append(plan.text)
        }
        out.flush()
        if !plan.violations.isEmpty { throw ExitStatus.refused }
    }
}

extension Plan {
    var json: JSONValue {
        .object([
            "core": .string(core),
            "current_version": .string(currentVersion.description),
            "version": .string(version.description),
            "kind": .string(kind.rawValue),
            "members": .array(
                members.map { member in
                    var object: [String: JSONValue] = [
                        "name": .string(member.name),
                        "reason": .string(member.reason.rawValue),
                        "wave": .number(member.wave),
                        "version": .string((member.newVersion ?? member.currentVersion).description),
                        "current_version": .string(member.currentVersion.description),
                        "why": .string(member.why),
                        "descendants": .number(member.descendants),
                        "depends_on": .array(member.parents.map { .string($0) }),
                    ]
                    if member.reason == .companion { object["suggested"] = .bool(member.isSuggested) }
                    return .object(object)
                }
            ),
            "violations": .array(
                violations.map {
                    .object(["package": .string($0.package), "spec": .string($0.spec), "message": .string($0.message)])
                }
            ),
        ])
    }

    var text: String {
        let counts = MemberReason.allCases.map { reason in
            "\(members.filter { $0.reason == reason }.count) \(reason.rawValue)"
        }
        var text = "\(core) \(currentVersion) -> \(version): \(kind.rawValue) train, \(members.count) members ("
        text += counts.joined(separator: ", ") + ")\n\n"
        let rows = members.map { member -> [String] in
            let version =
                member.newVersion.map { "\($0)\(member.isSuggested ? "*" : "")" } ?? member.currentVersion.description
            return [String(member.wave), member.name, member.reason.rawValue, version, member.why]
        }
        text += Table(header: ["wave", "package", "reason", "version", "why"], rows: rows).text
        if members.contains(where: \.isSuggested) {
            text += "\n* suggested from the current pairing; set it with --companion NAME=VERSION\n"
        }
        if violations.isEmpty {
            text += "\nno policy violations\n"
        } else {
            text += "\npolicy violations:\n" + violations.map { "  \($0.package): \($0.message)\n" }.joined()
        }
        return text
    }
}

/// `--companion NAME=VERSION` values, or the documented refusal naming the bad one.
func parseCompanions(_ entries: [String], json: Bool) throws -> [String: Version] {
    var given: [String: Version] = [:]
    for (name, text) in try splitCompanions(entries, json: json) {
        do {
            given[name] = try Version(text)
        } catch {
            throw refuse(code: "invalid-version", message: "--companion \(name)=\(text): \(error)", json: json)
        }
    }
    return given
}

/// `--companion NAME=VERSION` values as written (the versions unchecked), or the refusal
/// naming the one that is not NAME=VERSION.
func splitCompanions(_ entries: [String], json: Bool) throws -> [String: String] {
    var given: [String: String] = [:]
    for entry in entries {
        let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw refuse(code: "invalid-argument", message: "--companion \(entry): write NAME=VERSION", json: json)
        }
        given[parts[0]] = parts[1]
    }
    return given
}
