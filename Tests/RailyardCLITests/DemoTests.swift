import Foundation
import Testing

@Suite("railyard demo: a live train on the embedded defaults, taken to the end by a visitor")
struct DemoTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `railyard demo` run from Railyard's folder, as the README has it.
    final class Demo {
        let process = Process()
        let port: Int
        let output: String
        var url: String { "http://127.0.0.1:\(port)" }

        init(dir: String, output: String) throws {
            port = try ServerCLITests.Server.freePort()
            self.output = output
            FileManager.default.createFile(atPath: output, contents: nil)
            process.executableURL = RailyardProcess.executable
            process.currentDirectoryURL = DemoTests.root
            process.arguments = ["demo", "--dir", dir, "--port", String(port)]
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<300 {
                if (try? Tool.run("curl", ["-sf", url + "/health"]).status) == 0 { return }
                usleep(100_000)
            }
            throw CocoaError(.featureUnsupported)
        }

        /// Ctrl-C.
        func interrupt() -> Int32 {
            process.interrupt()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test("the page shows downstream held by a failing, an overdue and a declined member; the CLI takes it to main")
    func demo() throws {
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        let dir = scratch.path("demo")
        // A folder that is not the demo's is never emptied.
        try FileManager.default.createDirectory(atPath: scratch.path("mine"), withIntermediateDirectories: true)
        try "keep".write(toFile: scratch.path("mine/notes.txt"), atomically: true, encoding: .utf8)
        let refused = try RailyardProcess.run(["demo", "--dir", scratch.path("mine"), "--no-serve"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("is not a demo folder"))
        #expect(FileManager.default.fileExists(atPath: scratch.path("mine/notes.txt")))

        // A first run leaves its folder; the served one starts afresh over the leftovers.
        let first = try RailyardProcess.run([
            "demo", "--dir", dir, "--no-serve", "--catalog", DemoTests.root.path + "/examples/pytorch/distro.yml",
        ])
        try #require(first.status == 0, "\(first.stderr)")
        let demo = try Demo(dir: dir, output: scratch.path("demo.out"))
        var stopped = false
        defer { if !stopped { _ = demo.interrupt() } }
        let printed = try String(contentsOfFile: demo.output, encoding: .utf8)
        #expect(printed.contains("Status page  \(demo.url)/trains/2.6.0"))
        #expect(printed.contains("railyard bump ack pytorch3d --train 2.6.0"))

        let page = try Tool.run("curl", ["-sf", demo.url + "/trains/2.6.0"]).stdout
        #expect(page.contains("<span class=\"badge stage-downstream\">downstream</span>"))
        #expect(page.contains("3 blocked members hold the train"))
        #expect(page.contains("</strong></a>: test failed against RC 1; log: https://ci.example.org/captum/1742"))
        #expect(page.contains("</strong></a>: declined: no maintainer time before January"))
        #expect(page.contains("</strong></a>: rebuild request unanswered past its deadline"))

        // A visitor with the printed token takes the train to the end through the server.
        let token = try String(contentsOfFile: dir + "/alice.token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        func must(_ arguments: [String]) throws -> RailyardProcess.Result {
            let result = try RailyardProcess.run(arguments + ["--server", demo.url, "--token", token])
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        try must(["bump", "ack", "pytorch3d", "--train", "2.6.0"])
        let builds = try FileManager.default.contentsOfDirectory(atPath: dir + "/builds").map { subdir in
            dir + "/builds/" + subdir + "/pytorch3d-0.7.8-demo_1.tar.bz2"
        }
        try must(["stage"] + builds + ["--train", "2.6.0"])
        try must(["train", "waive", "2.6.0", "captum", "--reason", "flaky CUDA test, tracked upstream"])
        try must(["train", "exclude", "2.6.0", "fastai", "--reason", "declined", "--cascade"])
        func drainWork() throws {
            while true {
                let claim = try must(["ci", "claim", "--train", "2.6.0", "--json"])
                guard
                    let item = try JSONSerialization.jsonObject(
                        with: Data(claim.stdout.utf8), options: .fragmentsAllowed)
                        as? [String: Any], let id = (item["work"] as? [String: Any])?["id"] as? String
                else { return }
                try must(["ci", "report", id, "--result", "passed"])
            }
        }
        try drainWork()
        try must(["train", "advance", "2.6.0"])
        try drainWork()
        try must(["train", "final", "2.6.0", "--rc", "1"])
        try must(["train", "promote", "2.6.0", "--yes"])
        let status = try must(["train", "status", "2.6.0", "--json"])
        #expect(status.stdout.contains("\"stage\":\"released\""))
        let repodata = try Tool.run("curl", ["-sf", demo.url + "/channel/linux-64/repodata.json"]).stdout
        // The demo's matrix on linux-64: python 3.11 and 3.12, CPU and CUDA 12.4, each with its torchvision.
        for build in ["py3.11_cpu_0", "py3.11_cuda12.4_0", "py3.12_cpu_0", "py3.12_cuda12.4_0"] {
            #expect(repodata.contains("pytorch-2.6.0-\(build).tar.bz2"), "\(build)")
        }
        #expect(repodata.contains("torchvision-0.21.0-py312_cu124.tar.bz2"))
        #expect(repodata.contains("pytorch3d-0.7.8-demo_1.tar.bz2"))
        let matrix = try must(["train", "matrix", "2.6.0", "--json"])
        #expect(matrix.stdout.contains("\"complete\":true"))
        #expect(demo.interrupt() == 0)
        stopped = true
    }

    @Test("every command's --help has a one-line purpose and an example; completion scripts are generated")
    func help() throws {
        var queue = [[String]()]
        var seen = 0
        while let path = queue.popLast() {
            let result = try RailyardProcess.run(path + ["--help"])
            #expect(result.status == 0, "\(path)")
            let text = result.stdout
            #expect(text.hasPrefix("OVERVIEW: "), "railyard \(path.joined(separator: " ")) has no purpose line")
            #expect(text.contains("Example"), "railyard \(path.joined(separator: " ")) --help has no example")
            seen += 1
            // Subcommands: the lines of that section that start with two spaces and a lowercase name.
            if let range = text.range(of: "SUBCOMMANDS:\n") {
                for line in text[range.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.isEmpty { break }
                    guard line.hasPrefix("  "), !line.hasPrefix("   "),
                        let name = line.dropFirst(2).split(separator: " ").first,
                        name.first?.isLowercase == true, name != "help"
                    else { continue }
                    queue.append(path + [String(name)])
                }
            }
            #expect(queue.count < 200)
        }
        #expect(seen > 40)
        for shell in ["bash", "zsh", "fish"] {
            let script = try RailyardProcess.run(["--generate-completion-script", shell])
            #expect(
                script.status == 0 && script.stdout.contains("railyard") && script.stdout.contains("demo"), "\(shell)")
        }
    }
}
