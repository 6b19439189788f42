import ArgumentParser
import Foundation
import RailyardApplication
import RailyardCore
import RailyardYAML

/// `railyard catalog sync FILE --from-train V`: the catalog brought up to a released train.
struct CatalogSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract:
            "Bring a catalog's versions, and the specs the release changed, up to what a released train put on main.",
        discussion: """
            Rewrites, in the file's own text, each package's version to the one the released \
            train put on main (the core's included) and each spec its new build declares \
            otherwise; comments, order and quoting stay as they were, so that the change reads \
            well in a pull request. Excluded members keep their lines. With --check nothing is \
            written: exit 1 when the file is behind the train (the edits are listed), 0 when it \
            is not.

            Examples:
              railyard catalog sync examples/pytorch/distro.yml --from-train 2.6.0
              railyard catalog sync distro.yml --from-train 2.6.0 --check --server https://railyard.example.org
            """
    )

    @Argument(help: "The catalog file (YAML).") var file: String
    @Option(name: .customLong("from-train"), help: "The released train whose versions to take.") var train: String
    @Flag(help: "Write nothing; exit 1 when the file is behind the train.") var check = false
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let json = store.output.json
        let catalog = try loadCatalog(file, json: json)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw refuse(code: "unreadable-file", message: "\(file): cannot be read", json: json)
        }
        let document: DocumentNode
        do {
            document = try CatalogFile.document(text)
        } catch {
            throw refuse(code: "invalid-catalog", message: "\(file): \(error)", json: json)
        }
        let (file, check, train) = (self.file, self.check, self.train)
        try await store.answer { service async throws(ServiceError) in
            let status = try await service.status(of: train)
            guard status.stage == Stage.released.rawValue else {
                throw ServiceError(
                    .refused, "not-released",
                    "train \(status.train) is \(status.stage), not released: sync from a train whose release is on main"
                )
            }
            // A train's name is its version, with `-N` for a later attempt (conda versions have no '-').
            let version = String(status.train.prefix { $0 != "-" })
            var released = [catalog.core: CatalogSync.Released(version: version, depends: [])]
            for member in status.members where member.state != MemberState.excluded.rawValue {
                released[member.name] = CatalogSync.Released(version: member.version, depends: member.depends)
            }
            let edits = CatalogSync.edits(document: document, released: released)
            if !check && !edits.isEmpty {
                do {
                    let synced = try CatalogSync.apply(edits, to: text)
                    let temporary = file + ".tmp-\(getpid())"
                    try Data(synced.utf8).write(to: URL(fileURLWithPath: temporary))
                    guard rename(temporary, file) == 0 else {
                        throw CatalogSyncError(description: "\(file): cannot be replaced")
                    }
                } catch {
                    throw ServiceError(.failed, "catalog-not-written", "\(file): \(error)")
                }
            }
            return CatalogSyncResponse(file: file, train: status.train, check: check, edits: edits)
        }
    }
}

/// `catalog sync`'s answer: each edit, and whether the file was written.
struct CatalogSyncResponse: Encodable, Rendered {
    var schema = Wire.schema
    var file: String
    var train: String
    var check: Bool
    /// `{package, field, line, column, from, to}`: each value that differs from the train's.
    var edits: [CatalogEdit]
    /// The file was rewritten (not with --check, and not when nothing differs).
    var written: Bool { !check && !edits.isEmpty }

    enum CodingKeys: String, CodingKey { case schema, file, train, check, edits, written }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(file, forKey: .file)
        try container.encode(train, forKey: .train)
        try container.encode(check, forKey: .check)
        try container.encode(edits, forKey: .edits)
        try container.encode(written, forKey: .written)
    }

    var text: String {
        if edits.isEmpty { return "\(file) is up to date with train \(train)\n" }
        let lines = edits.map { "  \(file):\($0.line): \($0.package) \($0.field): \($0.from) -> \($0.to)\n" }.joined()
        return (check ? "\(file) is behind train \(train):\n" : "\(file) brought up to train \(train):\n") + lines
    }

    var refusal: ExitCode? { check && !edits.isEmpty ? ExitStatus.refused : nil }
}
