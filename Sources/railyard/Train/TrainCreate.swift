import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardStore

/// `railyard train create`: a train for a core release, from the catalog's plan.
struct TrainCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create the train for a core release from the catalog's plan.",
        discussion: """
            Refused when the version is not newer than a released train's of the same series \
            (2.5.1 again after 2.5.1), and when the catalog's version of the core is behind a \
            released train (it still says 2.5.1 after 2.6.0 was released): bring the catalog up \
            to the release, or give --stale-ok to plan from it as it is, with a warning.

            Example:
              railyard train create 2.6.0 --catalog examples/pytorch/distro.yml --as alice
            """
    )

    @Argument(help: "The core's new version (final, e.g. 2.6.0).") var version: String
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        let (catalog, companions) = try planning.resolved(store)
        let service = try store.service(catalog: catalog)
        try await store.answer(with: service) { service async throws(ServiceError) in
            try await service.create(
                version, companions: companions, staleOK: planning.staleOK, by: actor.person, guards: actor.guards)
        }
    }
}

/// The options of a command that plans a train from the catalog (`train create`, `train
/// supersede`).
struct PlanningOptions: ParsableArguments {
    @Option(help: "The catalog file (with --server, the server's own is used).") var catalog: String?
    @Option(name: .customLong("companion"), help: "A companion's version, NAME=VERSION (repeatable).")
    var companions: [String] = []
    @Flag(name: .customLong("stale-ok"), help: "Plan from a catalog that is behind a released train, with a warning.")
    var staleOK = false

    /// The catalog to plan from (none with `--server`) and the companions' versions as given.
    func resolved(_ store: StoreOptions) throws -> (catalog: Catalog?, companions: [String: String]) {
        let json = store.output.json
        return (
            try serverOrLocalCatalog(catalog, store: store, json: json), try splitCompanions(companions, json: json)
        )
    }
}

/// The catalog a command plans from: none with `--server` (the server plans from its own, and
/// `--catalog` is refused), the file `--catalog` names otherwise (required).
func serverOrLocalCatalog(_ path: String?, store: StoreOptions, json: Bool) throws -> Catalog? {
    if store.server != nil {
        guard path == nil else {
            throw refuse(
                code: "invalid-argument",
                message:
                    "--catalog is for a local database: a server plans trains from its own catalog (railyard serve --catalog FILE)",
                json: json)
        }
        return nil
    }
    guard let path else {
        throw refuse(code: "invalid-argument", message: "--catalog FILE is required", json: json)
    }
    return try loadCatalog(path, json: json)
}
