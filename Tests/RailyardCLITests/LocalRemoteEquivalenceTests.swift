import Foundation
import Testing

/// Every command that has a remote form, run twice on the same state: once on the local
/// database and channel, once through `--server` on a copy of them. Both must print the same
/// text, the same `--json` and exit with the same code.
@Suite("local and --server answer alike")
struct LocalRemoteEquivalenceTests {
    /// One command's answer with the clock taken out: every ISO 8601 time becomes `<time>`, since
    /// the two runs happen seconds apart.
    struct Answer: Equatable, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String

        init(_ result: RailyardProcess.Result) {
            status = result.status
            stdout = Self.timeless(result.stdout)
            stderr = Self.timeless(result.stderr)
        }

        /// The answer without what differs from run to run: times, and the solver's time and memory.
        static func timeless(_ text: String) -> String {
            [
                (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "<time>"),
                (#""(seconds|peak_memory_bytes)":[0-9.e+-]+"#, #""$1":<n>"#),
                (#"in [0-9.]+ s, solver's peak memory [0-9]+ MiB"#, "in <n> s, solver's peak memory <n> MiB"),
                (#"\(solves took [^)]*\)"#, "(solves took <n>)"),
                (#"revoke-[0-9a-f-]{36}"#, "revoke-<id>"),
            ].reduce(text) { text, rule in
                text.replacingOccurrences(of: rule.0, with: rule.1, options: .regularExpression)
            }
        }

        var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    @Test(
        "reads, train commands, refusals, the promotion's dry run and move, patches: the same stdout, --json and exit code"
    )
    func sameAnswers() throws {
        let local = try ChannelScratch()
        defer { local.remove() }
        try local.seedMain()
        try local.makeNewBuilds()
        var secrets: [String: String] = [:]
        for (name, role) in [("alice", "release-manager"), ("team", "maintainer"), ("ci", "ci")] {
            secrets[name] = try #require(
                try local.must(["token", "create", "--role", role, "--name", name]).lines.last)
        }
        try local.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        try local.must([
            "train", "rc", "2.6.0", "--number", "1", local.path("new/linux-64/pytorch-2.6.0-py311_0.conda"),
            local.path("new/osx-arm64/pytorch-2.6.0-py311_0.conda"), "--as", "alice",
        ])
        // The server's side: a copy of the same database and channel.
        let copy = try ChannelScratch.copy(of: local)
        defer { copy.remove() }
        let server = try ServerCLITests.Server(scratch: copy, catalog: CondaPackages.smallCatalog)
        defer { _ = server.stop() }

        var compared: Set<String> = []
        /// Runs `arguments` as `who` on both sides (with `locally` added on this side only) and
        /// compares the answers; returns this side's standard output.
        @discardableResult
        func both(
            _ who: String, _ arguments: [String], locally: [String] = [],
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> RailyardProcess.Result {
            // The commands that act take --as; the token says who acts on the server.
            let acting = !["wait", "index", "verify", "log"].contains(arguments[1]) || arguments[0] == "train"
            let result = try local.run(arguments + locally + (acting ? ["--as", who] : []))
            let here = Answer(result)
            let there = Answer(
                try RailyardProcess.run(
                    arguments + (acting ? ["--as", who] : []) + [
                        "--server", server.url, "--token", secrets[who]!, "--db", "/nonexistent",
                    ])
            )
            #expect(here == there, "railyard \(arguments.joined(separator: " "))", sourceLocation: sourceLocation)
            if here != there { print("local:\n\(here)\nremote:\n\(there)") }
            compared.insert(
                arguments[0] == "stage"
                    ? (arguments.contains("--rc") ? "stage --rc" : "stage")
                    : arguments.prefix(2).joined(separator: " "))
            return result
        }
        func reads() throws {
            for json in [[], ["--json"]] {
                try both("alice", ["train", "list"] + json)
                try both("alice", ["train", "status", "2.6.0"] + json)
                try both("alice", ["train", "gates", "2.6.0"] + json)
                try both("alice", ["train", "matrix", "2.6.0"] + json)
                try both("alice", ["train", "log", "2.6.0"] + json)
                try both("alice", ["channel", "patches", "--train", "2.6.0"] + json)
                try both("alice", ["train", "promote", "2.6.0"] + json)
            }
        }

        try reads()
        // Refusals: an unknown train, an unknown member, a guard of the machine, a stale revision.
        try both("alice", ["train", "status", "9.9.9"])
        try both("alice", ["train", "status", "9.9.9", "--json"])
        try both("alice", ["train", "waive", "2.6.0", "nosuch", "--reason", "x", "--json"])
        try both("alice", ["train", "final", "2.6.0", "--rc", "1"])
        try both("alice", ["train", "advance", "2.6.0", "--expect-revision", "1", "--json"])
        try both("team", ["bump", "ack", "kornia", "--train", "2.6.0"])
        try both("team", ["bump", "decline", "kornia", "--train", "2.6.0", "--reason", "busy", "--json"])
        // A second train: locally from the catalog given, on the server from its own.
        try both("alice", ["train", "create", "2.7.0", "--json"], locally: ["--catalog", CondaPackages.smallCatalog])
        try both("alice", ["train", "create", "2.7.0"], locally: ["--catalog", CondaPackages.smallCatalog])
        // The train moves on, on both sides alike: a companion's build staged, tested by CI.
        try both("alice", ["train", "advance", "2.6.0", "--json"])
        try both("alice", ["train", "advance", "2.6.0"])
        let torchvision = local.path("new/linux-64/torchvision-0.21.0-py311_0.conda")
        #expect(
            try both("team", ["stage", torchvision, "--train", "2.6.0"]).stdout.hasPrefix("torchvision: staged on"))
        #expect(
            try both("team", ["stage", torchvision, "--train", "2.6.0", "--json"]).stdout.contains(#""changed":false"#))
        try both("team", ["stage", local.path("new/noarch/kornia-0.7.4-pyhd_0.conda"), "--train", "2.6.0"])
        try both("ci", ["ci", "claim", "--train", "2.6.0", "--kind", "build", "--json"])
        // A pool of osx-arm64 runners takes that subdir's cell: the same item both ways.
        try both("ci", ["ci", "claim", "--train", "2.6.0", "--kind", "build", "--subdir", "osx-arm64", "--json"])
        let id = try both("ci", ["ci", "claim", "--train", "2.6.0", "--kind", "test"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The RC has a build per subdir: torchvision is tested in each, and the item names its cell.
        #expect(id == "2.6.0:test:torchvision:linux-64+any:rc1")
        #expect(try both("ci", ["ci", "heartbeat", id, "--lease", "1h", "--json"]).status == 0)
        #expect(try both("ci", ["ci", "heartbeat", "2.6.0:test:nosuch:rc1"]).status == 2)
        #expect(try both("ci", ["ci", "report", id, "--result", "passed", "--log", "https://x.example/1"]).status == 0)
        #expect(try both("ci", ["ci", "report", id, "--result", "passed", "--json"]).status == 2)
        #expect(
            try both("ci", ["ci", "wait", "--train", "2.6.0", "--stage", "candidate", "--timeout", "5s"]).status == 0)
        #expect(
            try both("ci", ["ci", "wait", "--train", "2.6.0", "--stage", "released", "--timeout", "2s", "--json"])
                .status == 4)
        #expect(try both("alice", ["channel", "index", "--json"]).stdout.contains(#""main_generation":"#))
        #expect(try both("alice", ["channel", "verify"]).status == 0)
        try both("alice", ["train", "exclude", "2.6.0", "captum", "--reason", "not ready", "--json"])
        // Without files: the core's files already on the staging label are the RC's.
        try both("alice", ["train", "rc", "2.6.0", "--number", "2"])
        try both("alice", ["train", "rc", "2.6.0", "--number", "3", "--idempotency-key", "k", "--json"])
        try both("alice", ["train", "rc", "2.6.0", "--number", "3", "--idempotency-key", "k"])
        try both("alice", ["train", "rc", "2.6.0", "--number", "4", "--idempotency-key", "k"])
        // One file: uploaded through the server, registered with the RC here.
        let rcFile = try CondaPackages.make(local.path("rc5/linux-64"), "pytorch", "2.6.0", "py311_5", "linux-64")
        #expect(try both("alice", ["train", "rc", "2.6.0", "--number", "5", rcFile, "--json"]).status == 0)
        let rcFile6 = try CondaPackages.make(local.path("rc6/linux-64"), "pytorch", "2.6.0", "py311_6", "linux-64")
        #expect(try both("alice", ["stage", rcFile6, "--train", "2.6.0", "--rc", "6"]).status == 0)
        try both("alice", ["train", "sweep", "2.6.0"])
        try reads()
        try both("alice", ["train", "abort", "2.6.0", "--reason", "replaced by 2.6.1", "--json"])
        try both("alice", ["train", "promote", "2.6.0", "--yes"])
        // A train that will not ship, ended in favour of the next: refused for an ended train,
        // then done both ways (locally from the catalog given, on the server from its own).
        let catalog = ["--catalog", CondaPackages.smallCatalog]
        #expect(
            try both("alice", ["train", "supersede", "2.6.0", "--by", "2.8.0", "--json"], locally: catalog).status == 1)
        #expect(
            try both("alice", ["train", "supersede", "2.7.0", "--by", "2.8.0", "--json"], locally: catalog).status == 0)
        #expect(try both("alice", ["train", "supersede", "2.8.0", "--by", "2.9.0"], locally: catalog).status == 0)
        try both("alice", ["train", "status", "2.8.0", "--json"])
        try reads()
        // A file off main, the same both ways: the dry run, bad input, the move, the channel's log.
        let old = "noarch/kornia-0.7.3-pyhd_0.tar.bz2"
        #expect(try both("alice", ["channel", "revoke", old, "--reason", "bad metadata"]).status == 0)
        #expect(
            try both("alice", ["channel", "revoke", "linux-64/nope-1-0.conda", "--reason", "x", "--json"]).status == 2)
        #expect(try both("alice", ["channel", "revoke", old, "--json"]).status == 2)
        #expect(
            try both("alice", ["channel", "revoke", old, "--reason", "bad metadata", "--yes", "--json"]).status == 0)
        try both("alice", ["channel", "log"])
        try both("alice", ["channel", "log", "--json"])

        #expect(
            compared == [
                "train list", "train status", "train gates", "train matrix", "train log", "channel patches",
                "train promote",
                "train waive", "train final", "train advance", "bump ack", "train exclude", "train rc", "train sweep",
                "train abort", "train create", "train supersede", "stage", "stage --rc", "bump decline", "ci claim",
                "ci heartbeat",
                "ci report",
                "ci wait", "channel index", "channel verify", "channel revoke", "channel log",
            ])
    }
}
