import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore

/// `railyard train supersede`: ends a train that will not ship and creates the next one, which
/// carries over what still holds.
struct TrainSupersede: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supersede",
        abstract: "End a train that will not ship and create the next one, carrying over what still holds.",
        discussion: """
            The new train is planned from the catalog as `train create` plans it (and refused as \
            it refuses). Carried over, member by member: acknowledgements with their ETAs and \
            declines with their reasons (where the new train asks the member for work too), \
            exclusions, and builds whose specs admit the new versions, as candidates to be tested \
            again (their files are staged on the new train's label). Not carried, each listed \
            with the reason: unanswered requests (asked again), builds of companions and C++/CUDA \
            members (redone against each RC), builds whose specs exclude the new versions, test \
            results, waivers and the RC. Both trains' logs record the list; the maintainers whose \
            work carried over are told. The old train ends aborted, "superseded by train V".

            Exit codes: 0 done; 1 refused (not a release manager, the train already ended, the \
            version not newer, a train of that version standing); 2 bad input.

            Example:
              railyard train supersede 2.6.0 --by 2.7.0 --catalog examples/pytorch/distro.yml --as alice
            """
    )

    @Argument(help: "The train that will not ship.") var version: String
    @Option(help: "The core's version of the train created in its place (e.g. 2.7.0).") var by: String
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        let (catalog, companions) = try planning.resolved(store)
        let service = try store.service(catalog: catalog)
        try await store.answer(with: service) { service async throws(ServiceError) in
            try await service.supersede(
                version, by: by, companions: companions, staleOK: planning.staleOK, by: actor.person,
                guards: actor.guards)
        }
    }
}

extension SupersedeResponse: Rendered {
    var text: String {
        let note = replayed ? " (repeated idempotency key: nothing changed)" : ""
        var out =
            "train \(train) superseded by train \(by)\(note): \(train) ended at revision \(revision), \(by) is at revision \(byRevision)\n"
        out += "carried over to \(by):" + (carried.isEmpty ? " nothing\n" : "\n")
        for item in carried { out += "  \(item.member): \(item.what): \(item.detail)\n" }
        out += "not carried:" + (notCarried.isEmpty ? " nothing\n" : "\n")
        for item in notCarried { out += "  \(item.member): \(item.what): \(item.detail)\n" }
        return out + warnings.map { "warning: \($0)\n" }.joined()
    }
}
