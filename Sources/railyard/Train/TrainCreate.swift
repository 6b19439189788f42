import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train create`: a train for a core release, from the catalog's plan.
struct TrainCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create the train for a core release from the catalog's plan.",
        discussion: "Example:\n  railyard train create 2.6.0 --catalog examples/pytorch/distro.yml --as alice"
    )

    @Argument(help: "The core's new version (final, e.g. 2.6.0).") var version: String
    @Option(help: "The catalog file (with --server, the server's own is used).") var catalog: String?
    @Option(name: .customLong("companion"), help: "A companion's version, NAME=VERSION (repeatable).")
    var companions: [String] = []
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() throws {
        if let remote = store.remote {
            // The server creates the train from its own catalog.
            var companionVersions: [String: String] = [:]
            for entry in companions {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { companionVersions[parts[0]] = parts[1] }
            }
            Remote.printOutcome(
                try remote.command(
                    "POST", "/trains", body: ["version": version, "companions": companionVersions],
                    headers: actor.idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:]),
                json: remote.json)
            return
        }
        guard let catalogPath = self.catalog else {
            throw refuse(code: "invalid-argument", message: "--catalog FILE is required", json: store.output.json)
        }
        let catalog = try loadCatalog(catalogPath, json: store.output.json)
        let json = store.output.json
        let coreVersion: Version
        do {
            coreVersion = try Version(version)
        } catch {
            throw refuse(code: "invalid-version", message: error.description, json: json)
        }
        let given = try parseCompanions(companions, json: json)
        let plan: Plan
        do {
            plan = try Planner.plan(catalog, coreVersion: coreVersion, companions: given)
        } catch {
            throw refuse(code: "plan-refused", message: error.description, json: json)
        }
        let now = Date()
        let train: Train
        do {
            train = try Train.create(plan: plan, catalog: catalog, by: actor.person, at: now)
        } catch {
            throw refuse(code: error.code, message: error.description, json: json, exit: ExitStatus.refused)
        }
        let outcome = try withStore(store) { store throws(StoreError) in
            try store.create(
                train, by: actor.person, at: now,
                idempotency: actor.idempotency("create \(version)", ["create", version] + companions.sorted()))
        }
        printOutcome(outcome, json: json)
    }
}
