import Foundation
import Testing

@Suite("railyard token: created with the secret shown once, listed without it, revoked")
struct TokenCommandTests {
    @Test("create, list, revoke; bad roles and duplicate names are refused")
    func tokens() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let created = try scratch.must([
            "token", "create", "--role", "maintainer", "--name", "vision-team", "--expires", "90d",
        ])
        let secret = try #require(created.lines.last)
        #expect(secret.hasPrefix("ry_") && secret.count == 67)
        #expect(created.stdout.contains("token vision-team (maintainer) created"))
        let list = try scratch.must(["token", "list"])
        #expect(list.stdout.contains("vision-team  maintainer  valid"))
        #expect(!list.stdout.contains(secret))
        // The database keeps only a hash of the secret.
        let database = try Data(contentsOf: URL(fileURLWithPath: scratch.db))
        #expect(database.range(of: Data(secret.utf8)) == nil)

        let duplicate = try scratch.run(["token", "create", "--role", "ci", "--name", "vision-team"])
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("a token named vision-team already exists"))
        let badRole = try scratch.run(["token", "create", "--role", "admin", "--name", "x"])
        #expect(badRole.status == 2)
        #expect(badRole.stderr.contains("--role admin: release-manager, maintainer, ci or read-only"))
        // A token names no packages: the catalog's maintainers are the one list.
        let packages = try scratch.run(["token", "create", "--role", "maintainer", "--name", "y", "--packages", "a"])
        #expect(packages.status == 2)
        #expect(packages.stderr.contains("a token names no packages"))

        try scratch.must(["token", "revoke", "vision-team"])
        #expect(
            try scratch.must(["token", "list"]).stdout.contains(
                "vision-team  maintainer  revoked"))
        #expect(try scratch.run(["token", "revoke", "nobody"]).status == 2)
        // A revoked name can be given again: the name is the actor the log records.
        try scratch.must(["token", "create", "--role", "maintainer", "--name", "vision-team"])
        #expect(try scratch.must(["token", "list"]).stdout.contains("vision-team  maintainer  valid"))
    }

    @Test("rotate: a new secret for the same name and role; the old secret stops working")
    func rotate() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let old = try #require(try scratch.must(["token", "create", "--role", "ci", "--name", "runner-1"]).lines.last)
        let rotated = try scratch.must(["token", "rotate", "runner-1", "--expires", "30d"])
        let new = try #require(rotated.lines.last)
        #expect(new != old && new.hasPrefix("ry_"))
        #expect(rotated.stdout.contains("token runner-1 has a new secret"))
        #expect(try scratch.must(["token", "list"]).stdout.contains("runner-1  ci  valid"))
        let database = try Data(contentsOf: URL(fileURLWithPath: scratch.db))
        #expect(database.range(of: Data(new.utf8)) == nil)
        #expect(try scratch.run(["token", "rotate", "nobody"]).status == 2)
        try scratch.must(["token", "revoke", "runner-1"])
        #expect(try scratch.run(["token", "rotate", "runner-1"]).status == 2)
    }
}
