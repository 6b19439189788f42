import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard token …`: API tokens for the server.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list, rotate and revoke the server's API tokens.",
        discussion: """
            Roles: release-manager (everything), maintainer (ack, decline and stage), ci (claim \
            and report work), read-only (reads). The token's name is the actor the event log \
            records and the person the train judges: a release manager must be one of the \
            catalog's release_managers, and a maintainer acts on the packages whose maintainers \
            name it. So name tokens as the catalog names people; a token has no package list of \
            its own to keep in step.

            Example:
              railyard token create --role maintainer --name vision-team --expires 90d
            """,
        subcommands: [TokenCreate.self, TokenList.self, TokenRotate.self, TokenRevoke.self]
    )
}

struct TokenCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token; its secret is printed once, alone on the last line.",
        discussion: """
            Example:
              railyard token create --role ci --name runner-1 --expires 30d
            """
    )

    @Option(help: "release-manager, maintainer, ci or read-only.") var role: String
    @Option(help: "The token's name: the actor its commands are recorded as.") var name: String
    @Option(help: .hidden) var packages: String?
    @Option(help: "How long it is valid: Ns, Nm, Nh or Nd (default: until revoked).") var expires: String?
    @OptionGroup var store: StoreOptions

    func run() throws {
        let json = store.output.json
        guard let parsedRole = TokenRecord.Role(rawValue: role) else {
            throw refuse(
                code: "invalid-argument", message: "--role \(role): release-manager, maintainer, ci or read-only",
                json: json)
        }
        if packages != nil {
            throw refuse(
                code: "invalid-argument",
                message:
                    "a token names no packages: a maintainer acts on the packages whose maintainers in the catalog name it; leave out --packages and name the token as the catalog does",
                json: json)
        }
        guard !name.isEmpty, name.count <= 100, !name.contains(where: \.isWhitespace) else {
            throw refuse(
                code: "invalid-argument", message: "--name '\(name)': one word, at most 100 characters", json: json)
        }
        let expiresAt = try expiry(expires, json: json)
        let created = try withStore(store) { store throws(StoreError) in
            try store.createToken(name: name, role: parsedRole, expiresAt: expiresAt, at: Date())
        }
        var out = OutputBuffer()
        if json {
            out.appendLine(
                json: .object([
                    "name": .string(name), "role": .string(parsedRole.rawValue),
                    "expires_at": expiresAt.map { .string(iso($0)) } ?? .null, "token": .string(created.secret),
                ]))
        } else {
            out.append("token \(name) (\(parsedRole.rawValue)) created; its secret is shown once:\n")
            out.append(created.secret + "\n")
        }
        out.flush()
    }
}

struct TokenList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the tokens (never their secrets).",
        discussion: """
            Example:
              railyard token list --json
            """)

    @OptionGroup var store: StoreOptions

    func run() throws {
        let tokens = try withStore(store) { store throws(StoreError) in try store.tokens() }
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(
                json: .object([
                    "tokens": .array(
                        tokens.map { token in
                            .object([
                                "name": .string(token.name), "role": .string(token.role.rawValue),
                                "created_at": .string(iso(token.createdAt)),
                                "expires_at": token.expiresAt.map { .string(iso($0)) } ?? .null,
                                "revoked_at": token.revokedAt.map { .string(iso($0)) } ?? .null,
                                "valid": .bool(token.isValid(at: Date())),
                            ])
                        })
                ]))
        } else {
            for token in tokens {
                let state =
                    token.revokedAt != nil ? "revoked" : token.isValid(at: Date()) ? "valid" : "expired"
                out.append("\(token.name)  \(token.role.rawValue)  \(state)\n")
            }
        }
        out.flush()
    }
}

struct TokenRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token at once.",
        discussion: """
            Example:
              railyard token revoke runner-1
            """)

    @Argument(help: "The token's name.") var name: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        try withStore(store) { store throws(StoreError) in try store.revokeToken(name: name, at: Date()) }
        var out = OutputBuffer()
        if store.output.json {
            out.appendLine(json: .object(["name": .string(name), "revoked": .bool(true)]))
        } else {
            out.append("token \(name) revoked\n")
        }
        out.flush()
    }
}

struct TokenRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Give a token a new secret (printed once, alone on the last line); the old one stops working.",
        discussion: """
            The name, role and packages stay, so the event log keeps recording the same actor.

            Example:
              railyard token rotate alice --expires 90d
            """)

    @Argument(help: "The token's name.") var name: String
    @Option(help: "A new validity from now: Ns, Nm, Nh or Nd (default: the expiry it had).") var expires: String?
    @OptionGroup var store: StoreOptions

    func run() throws {
        let json = store.output.json
        let expiresAt = try expiry(expires, json: json)
        let secret = try withStore(store) { store throws(StoreError) in
            try store.rotateToken(name: name, expiresAt: expiresAt, at: Date())
        }
        var out = OutputBuffer()
        if json {
            out.appendLine(json: .object(["name": .string(name), "token": .string(secret)]))
        } else {
            out.append("token \(name) has a new secret; the old one no longer works. It is shown once:\n")
            out.append(secret + "\n")
        }
        out.flush()
    }
}

/// `--expires DURATION` as a time from now (nil without it).
private func expiry(_ text: String?, json: Bool) throws -> Date? {
    guard let text else { return nil }
    guard let duration = PolicyDuration(text) else {
        throw refuse(code: "invalid-argument", message: "--expires \(text): write Ns, Nm, Nh or Nd", json: json)
    }
    return Date().addingTimeInterval(TimeInterval(duration.seconds))
}
