import Foundation
import Testing

/// The real receivers of `Tests/Fixtures/receiver.py`: a webhook endpoint that checks signatures,
/// and an SMTP server (aiosmtpd) that takes mail from msmtp. Everything they get is a JSON line.
final class Receivers {
    static let secret = "s3cret-for-tests"
    let process = Process()
    let out: String
    let http: Int
    let smtp: Int

    /// Starts them on these ports (0: any free one).
    init(in scratch: ChannelScratch, http: Int = 0, smtp: Int = 0) throws {
        out = scratch.path("received.jsonl")
        let ready = scratch.path("receivers-\(UUID().uuidString).json")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", CondaPackages.fixtures.appendingPathComponent("receiver.py").path, "--out", out, "--ready",
            ready,
            "--secret", Self.secret, "--http-port", String(http), "--smtp-port", String(smtp),
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if let data = FileManager.default.contents(atPath: ready),
                let ports = try JSONSerialization.jsonObject(with: data) as? [String: Int]
            {
                self.http = ports["http"] ?? 0
                self.smtp = ports["smtp"] ?? 0
                return
            }
            usleep(50_000)
        }
        process.terminate()
        throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "receiver.py did not start"])
    }

    /// Everything received so far.
    func records() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: out, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// A catalog whose contacts point at the receivers, and msmtp as the sendmail program.
struct NotifySetup {
    let catalog: String
    let sendmail: String

    init(
        _ scratch: ChannelScratch, http: Int, smtp: Int, withNomad: Bool = true, nomadPath: String = "/away",
        policy: String = ""
    ) throws {
        catalog = scratch.path("notify-distro.yml")
        let nomad = withNomad ? "  nomad: {webhook: \"http://127.0.0.1:\(http)\(nomadPath)\"}\n" : ""
        let text = """
            distribution: pytorch
            channel: pytorch
            core: pytorch
            subdirs: [linux-64, noarch]
            release_managers: [alice]
            \(policy)
            contacts:
              alice: {email: alice@example.org}
              team: {webhook: "http://127.0.0.1:\(http)/hook/team", secret_env: TEAM_HOOK_SECRET}
            \(nomad)packages:
              pytorch: {version: 2.5.1, maintainers: [alice]}
              torchvision:
                version: 0.20.1
                companion: true
                abi: true
                depends: ["pytorch 2.5.1.*"]
                maintainers: [team]
              kornia: {version: 0.7.3, depends: ["pytorch >=1.9.1,<2.6"], maintainers: [team]}
              captum: {version: 0.7.0, depends: ["pytorch >=1.6,<3"], maintainers: [\(withNomad ? "nomad" : "team")]}
            """
        try text.write(toFile: catalog, atomically: true, encoding: .utf8)
        // msmtp, as a site would configure it for its SMTP server.
        sendmail = scratch.path("sendmail")
        try """
        #!/bin/sh
        exec msmtp --host=127.0.0.1 --port=\(smtp) --auth=off --tls=off "$@"
        """.write(toFile: sendmail, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail)
    }

    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["TEAM_HOOK_SECRET"] = Receivers.secret
        return environment
    }
}

@Suite("Notifications delivered to real receivers: signed webhooks, mail through msmtp to an SMTP server")
struct NotifyTests {
    static var available: Bool {
        (try? Tool.run("python3", ["-c", "import aiosmtpd"]).status == 0) ?? false
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/msmtp")
    }

    @Test(
        "notify deliver: each delivery once, signed, with its stable id; failures retried; list, show, retry",
        .enabled(if: NotifyTests.available || Tool.inCI, "needs aiosmtpd and msmtp (script/setup --test)"))
    func deliver() throws {
        try #require(Self.available, "CI installs aiosmtpd (pip) and msmtp (apt-get)")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let receivers = try Receivers(in: scratch)
        defer { receivers.stop() }
        let setup = try NotifySetup(scratch, http: receivers.http, smtp: receivers.smtp)
        try scratch.must(["train", "create", "2.6.0", "--catalog", setup.catalog, "--as", "alice"])
        try scratch.must(
            ["train", "rc", "2.6.0", "--number", "1", "--as", "alice"]
                + CondaPackages.rcFiles(scratch.path("rc"), subdirs: ["linux-64"]))
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        let deliver = ["notify", "deliver", "--catalog", setup.catalog, "--sendmail", setup.sendmail, "--json"]

        // Without the webhook's secret in the environment nothing is posted unsigned.
        let unsigned = try RailyardProcess.run(deliver + ["--db", scratch.db])
        #expect(unsigned.status == 1)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(unsigned.stdout.utf8)) as? [String: Any])
        let retrying = try #require(first["retrying"] as? [[String: Any]])
        #expect(retrying.contains { ($0["error"] as? String)?.contains("TEAM_HOOK_SECRET is not set") == true })
        #expect(
            !receivers.records().contains { $0["route"] as? String == "webhook" && $0["path"] as? String != "/away" })
        // The mails went out.
        let mails = receivers.records().filter { $0["route"] as? String == "mail" }
        #expect(mails.count == 3)  // alice: RC, two stage changes
        #expect(mails.allSatisfy { ($0["rcpt"] as? [String]) == ["alice@example.org"] })
        #expect(mails.allSatisfy { ($0["message_id"] as? String)?.hasSuffix("@railyard.invalid>") == true })
        #expect(Set(mails.compactMap { $0["delivery"] as? String }).count == 3)
        #expect(mails.contains { ($0["subject"] as? String) == "[railyard] torch 2.6.0: entered companions" })

        // An hour later (they are due again), with the secret: the webhooks arrive, signed.
        let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        let second = try RailyardProcess.run(
            deliver + ["--db", scratch.db, "--at", later], environment: NotifySetup.environment)
        #expect(second.status == 1, "the redirecting contact fails again: \(second.stdout)")
        let hooks = receivers.records().filter { $0["path"] as? String == "/hook/team" }
        #expect(hooks.count == 4)  // team: digests of RC and two stages, the companion's request
        #expect(
            hooks.allSatisfy {
                $0["signature_ok"] as? Bool == true && $0["content_type"] as? String == "application/json"
            })
        let request = try #require(hooks.first { $0["event"] as? String == "request" })
        let body = try #require(request["body"] as? [String: Any])
        #expect(body["id"] as? String == request["delivery"] as? String)
        let text = try #require(body["text"] as? String)
        #expect(text.contains("railyard bump ack torchvision --train 2.6.0"))
        #expect((body["event"] as? [String: Any])?["member"] as? String == "torchvision")
        // A redirect to another host is not followed.
        let away = try #require(
            (try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])?["retrying"]
                as? [[String: Any]])
        #expect(!away.isEmpty && away.allSatisfy { ($0["error"] as? String)?.contains("redirect") == true })

        // Nothing is sent twice: another round now sends nothing new.
        let count = receivers.records().count
        let third = try RailyardProcess.run(deliver + ["--db", scratch.db], environment: NotifySetup.environment)
        #expect(third.status == 0)
        #expect(receivers.records().count == count)

        // list, show, retry.
        let list = try scratch.run(["notify", "list", "--state", "sent", "--json"])
        let sent = try #require(
            (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["deliveries"]
                as? [[String: Any]])
        #expect(sent.count == 7)
        let requestID = try #require(request["delivery"] as? String)
        let show = try scratch.must(["notify", "show", requestID])
        #expect(show.stdout.contains("state      sent, 2 attempt(s)"))
        #expect(show.stdout.contains("Subject: [railyard] torch 2.6.0: torchvision needs a companion"))
        #expect(try scratch.run(["notify", "show", "no/such/id"]).status == 2)
        #expect(try scratch.run(["notify", "retry"]).status == 2)
        let pending = try scratch.must(["notify", "list", "--state", "pending"])
        #expect(pending.stdout.contains("/nomad") && pending.stdout.contains("redirect"))
        try scratch.must(["notify", "retry", requestID])
        let again = try RailyardProcess.run(deliver + ["--db", scratch.db], environment: NotifySetup.environment)
        #expect(again.stdout.contains(requestID))
        // Re-driven on purpose: the receiver sees the same id again, and dedupes on it.
        #expect(receivers.records().filter { $0["delivery"] as? String == requestID }.count == 2)
        #expect(try scratch.run(["notify", "list", "--state", "lost"]).status == 2)
        #expect(try scratch.run(["notify", "deliver", "--catalog", setup.catalog, "--at", "tomorrow"]).status == 2)
    }

    @Test(
        "sweep --at: reminders, the deadline and the escalation reach the people the policy names",
        .enabled(if: NotifyTests.available || Tool.inCI, "needs aiosmtpd and msmtp (script/setup --test)"))
    func sweep() throws {
        try #require(Self.available, "CI installs aiosmtpd (pip) and msmtp (apt-get)")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let receivers = try Receivers(in: scratch)
        defer { receivers.stop() }
        let setup = try NotifySetup(scratch, http: receivers.http, smtp: receivers.smtp, withNomad: false)
        try scratch.must(["train", "create", "2.6.0", "--catalog", setup.catalog, "--as", "alice"])
        try scratch.must(
            ["train", "rc", "2.6.0", "--number", "1", "--as", "alice"]
                + CondaPackages.rcFiles(scratch.path("rc"), subdirs: ["linux-64"]))
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        func at(_ days: Double) -> String {
            ISO8601DateFormatter().string(from: Date().addingTimeInterval(days * 86_400))
        }
        let nothing = try scratch.must(["sweep", "--at", at(1)])
        #expect(nothing.stdout.contains("train 2.6.0: nothing due"))
        let reminder = try scratch.must(["sweep", "--at", at(2.1), "--json"])
        #expect(reminder.stdout.contains("torchvision: reminder 1 sent to its maintainers"))
        try scratch.must(["sweep", "--at", at(7.1)])
        try scratch.must(["sweep", "--at", at(10.1)])
        #expect(try scratch.run(["sweep", "--at", "next week"]).status == 2)
        let round = try RailyardProcess.run(
            [
                "notify", "deliver", "--catalog", setup.catalog, "--sendmail", setup.sendmail, "--db", scratch.db,
                "--at", at(10.2),
            ],
            environment: NotifySetup.environment)
        #expect(round.status == 0, "\(round.stdout) \(round.stderr)")
        let events = receivers.records().compactMap { $0["event"] as? String }
        #expect(events.filter { $0 == "reminder" }.count == 1)
        #expect(events.filter { $0 == "blocked" }.count == 1)  // the deadline, to team
        let mails = receivers.records().filter { $0["route"] as? String == "mail" }
        let escalation = try #require(
            mails.first { ($0["subject"] as? String)?.contains("unanswered requests") == true })
        #expect((escalation["body"] as? String)?.contains("  - torchvision (maintainers: team, asked ") == true)
    }
}

@Suite("Notifications survive a receiver that is down and a server restarted in between")
struct NotifyFaultTests {
    /// `railyard serve` with the notification options, stopped with SIGTERM.
    final class Serving {
        let process = Process()
        let port: Int

        init(scratch: ChannelScratch, setup: NotifySetup, extra: [String] = []) throws {
            port = try ServerCLITests.Server.freePort()
            process.executableURL = RailyardProcess.executable
            process.arguments =
                [
                    "serve", "--port", String(port), "--catalog", setup.catalog, "--db", scratch.db, "--channel",
                    scratch.channel, "--sendmail", setup.sendmail, "--retry-base", "1s", "--max-attempts", "40",
                    "--log-level", "error",
                ] + extra
            process.environment = NotifySetup.environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<100 {
                if (try? Tool.run("curl", ["-sf", "http://127.0.0.1:\(port)/health"]).status) == 0 { return }
                usleep(100_000)
            }
            throw CocoaError(.featureUnsupported)
        }

        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func deliveries(_ scratch: ChannelScratch) throws -> [[String: Any]] {
        let list = try scratch.must(["notify", "list", "--json"])
        return try #require(
            (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["deliveries"]
                as? [[String: Any]])
    }

    @Test(
        "killed mid-batch, notify deliver has recorded what it sent, and sends again only the attempt in flight",
        .enabled(if: NotifyTests.available || Tool.inCI, "needs aiosmtpd and msmtp (script/setup --test)"))
    func killedMidBatch() async throws {
        try #require(NotifyTests.available, "CI installs aiosmtpd (pip) and msmtp (apt-get)")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let receivers = try Receivers(in: scratch)
        defer { receivers.stop() }
        // nomad's receiver stalls on its first request: the batch cannot end while it does.
        let setup = try NotifySetup(scratch, http: receivers.http, smtp: receivers.smtp, nomadPath: "/hang")
        try scratch.must(["train", "create", "2.6.0", "--catalog", setup.catalog, "--as", "alice"])
        try scratch.must(
            ["train", "rc", "2.6.0", "--number", "1", "--as", "alice"]
                + CondaPackages.rcFiles(scratch.path("rc"), subdirs: ["linux-64"]))
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        let deliver = Process()
        deliver.executableURL = RailyardProcess.executable
        deliver.arguments = [
            "notify", "deliver", "--catalog", setup.catalog, "--sendmail", setup.sendmail, "--db", scratch.db,
        ]
        deliver.environment = NotifySetup.environment
        deliver.standardOutput = FileHandle.nullDevice
        deliver.standardError = FileHandle.nullDevice
        try deliver.run()

        func answered() -> Set<String> {
            Set(
                receivers.records().filter { $0["path"] as? String != "/hang" && $0["status"] as? Int != 302 }
                    .compactMap { $0["delivery"] as? String })
        }
        func sent() throws -> Set<String> {
            Set(
                try Self.deliveries(scratch).filter { $0["state"] as? String == "sent" }.compactMap {
                    $0["id"] as? String
                })
        }
        // Wait for the stalled request, then (well within the webhook's 10 s timeout) for every
        // answered delivery to be recorded as sent while the stalled one still holds the batch.
        var stalled = false
        for _ in 0..<100 where !stalled {
            stalled = receivers.records().contains { $0["path"] as? String == "/hang" }
            if !stalled { usleep(50_000) }
        }
        try #require(stalled, "the stalling receiver got no request")
        var recorded = false
        for _ in 0..<30 where !recorded {
            let answered = answered()
            let sent = try sent()
            recorded = !answered.isEmpty && answered.isSubset(of: sent)
            if !recorded { usleep(200_000) }
        }
        kill(deliver.processIdentifier, SIGKILL)
        deliver.waitUntilExit()
        #expect(recorded, "answered deliveries were not recorded before the batch ended")
        // What the outbox holds as sent at the kill; the attempts in flight then are not in it.
        let recordedSent = try sent()
        let before = receivers.records().compactMap { $0["delivery"] as? String }

        // After the lease and the backoff, a new round: nothing answered before the kill arrives again.
        let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        _ = try RailyardProcess.run(
            [
                "notify", "deliver", "--catalog", setup.catalog, "--sendmail", setup.sendmail, "--db", scratch.db,
                "--at", later,
            ],
            environment: NotifySetup.environment)
        let again = receivers.records().dropFirst(before.count).compactMap { $0["delivery"] as? String }
        #expect(!again.isEmpty, "the stalled delivery is sent again")
        #expect(Set(again).isDisjoint(with: recordedSent), "sent twice: \(Set(again).intersection(recordedSent))")
        // Only what was in flight at the kill comes again: at most one attempt per sending slot.
        #expect(Set(again).count <= 8, "\(again)")
    }

    @Test(
        "every notification arrives, none lost, none twice after dedup",
        .enabled(if: NotifyTests.available || Tool.inCI, "needs aiosmtpd and msmtp (script/setup --test)"))
    func downThenRestarted() async throws {
        try #require(NotifyTests.available, "CI installs aiosmtpd (pip) and msmtp (apt-get)")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let http = try ServerCLITests.Server.freePort()
        let smtp = try ServerCLITests.Server.freePort()
        let setup = try NotifySetup(scratch, http: http, smtp: smtp, withNomad: false)
        try scratch.must(["train", "create", "2.6.0", "--catalog", setup.catalog, "--as", "alice"])
        try scratch.must(
            ["train", "rc", "2.6.0", "--number", "1", "--as", "alice"]
                + CondaPackages.rcFiles(scratch.path("rc"), subdirs: ["linux-64"]))
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "exclude", "2.6.0", "captum", "--reason", "not this time", "--as", "alice"])
        let expected = Set(try Self.deliveries(scratch).compactMap { $0["id"] as? String })
        #expect(expected.count == 9)

        // The receivers are down: the server tries, fails, and backs off.
        let first = try Serving(scratch: scratch, setup: setup)
        var tried = false
        for _ in 0..<100 where !tried {
            try await Task.sleep(for: .milliseconds(200))
            tried = try Self.deliveries(scratch).allSatisfy { ($0["attempts"] as? Int ?? 0) >= 1 }
        }
        #expect(tried)
        #expect(first.stop() == 0)
        let failed = try Self.deliveries(scratch)
        #expect(failed.allSatisfy { $0["state"] as? String == "pending" && $0["last_error"] is String })

        // The receivers come back; so does the server.
        let receivers = try Receivers(in: scratch, http: http, smtp: smtp)
        defer { receivers.stop() }
        let second = try Serving(scratch: scratch, setup: setup)
        var delivered = false
        // Backoff from the first server's attempts (1 s doubling) can put the next one minutes out
        // on a loaded machine, where the first server made many attempts: wait until the latest
        // next attempt the first server scheduled, and a minute more.
        let scheduled =
            try Self.deliveries(scratch).compactMap { ($0["next_attempt_at"] as? String) }
            .compactMap { try? Date($0, strategy: .iso8601) }.max() ?? Date()
        let deadline = max(scheduled, Date()).addingTimeInterval(60)
        while !delivered && Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            delivered = try Self.deliveries(scratch).allSatisfy { $0["state"] as? String == "sent" }
        }
        #expect(second.stop() == 0)
        let final = try Self.deliveries(scratch).map {
            "\($0["id"] ?? "") \($0["state"] ?? "") \($0["attempts"] ?? "") \($0["next_attempt_at"] ?? "") \($0["last_error"] ?? "")"
        }
        #expect(delivered, "\(final.joined(separator: "\n"))")
        let received = receivers.records()
        let ids = received.compactMap { $0["delivery"] as? String }
        #expect(Set(ids) == expected)  // none lost; nothing unknown
        #expect(ids.count == expected.count)  // and, here, none twice even before dedup
        #expect(
            received.filter { $0["route"] as? String == "webhook" }.allSatisfy { $0["signature_ok"] as? Bool == true })
    }

    @Test(
        "the server runs the deadline sweep on its own and delivers what it decides",
        .enabled(if: NotifyTests.available || Tool.inCI, "needs aiosmtpd and msmtp (script/setup --test)"))
    func serverSweeps() async throws {
        try #require(NotifyTests.available, "CI installs aiosmtpd (pip) and msmtp (apt-get)")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let receivers = try Receivers(in: scratch)
        defer { receivers.stop() }
        let setup = try NotifySetup(
            scratch, http: receivers.http, smtp: receivers.smtp, withNomad: false,
            policy: "policy: {ack_deadline: 1h, reminder_every: 2s, escalate_after: 2h, retire_after: 3h}")
        try scratch.must(["train", "create", "2.6.0", "--catalog", setup.catalog, "--as", "alice"])
        try scratch.must(
            ["train", "rc", "2.6.0", "--number", "1", "--as", "alice"]
                + CondaPackages.rcFiles(scratch.path("rc"), subdirs: ["linux-64"]))
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        let server = try Serving(scratch: scratch, setup: setup, extra: ["--sweep-every", "1s"])
        var reminded = false
        for _ in 0..<150 where !reminded {
            try await Task.sleep(for: .milliseconds(200))
            reminded = receivers.records().contains { $0["event"] as? String == "reminder" }
        }
        #expect(server.stop() == 0)
        #expect(reminded)
        let log = try scratch.must(["train", "log", "2.6.0"])
        #expect(log.stdout.contains("torchvision: reminder 1 sent to its maintainers"))
    }
}
