import Foundation
import Testing

/// Headless Chromium against a real `railyard serve`: what a person's browser gets.
@Suite("The status page in a real browser: headless Chromium loads it, screenshots it, reads its DOM")
struct BrowserTests {
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs Chromium with no signal blocked, as from a shell: Foundation's Process hands its
    /// children the test runner's blocked signals (receiver.py found SIGTERM blocked).
    static func browse(_ chromium: String, _ arguments: [String]) throws -> RailyardProcess.Result {
        let unblocked = """
            import os, signal, sys
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            os.execv(sys.argv[1], sys.argv[1:])
            """
        return try Tool.run(
            "python3",
            [
                "-c", unblocked, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--disable-dev-shm-usage", "--log-level=3",
            ] + arguments)
    }

    /// Whether a PNG has content: many colours, and a fair share of pixels that are not the background.
    static func nonBlank(_ png: String) throws -> (colors: Int, inked: Double) {
        let program = """
            import sys
            from PIL import Image
            image = Image.open(sys.argv[1]).convert("RGB")
            colors = image.getcolors(maxcolors=1 << 24)
            background = max(count for count, _ in colors)
            print(len(colors), 1 - background / (image.width * image.height))
            """
        let result = try Tool.run("python3", ["-c", program, png])
        try #require(result.status == 0, "\(result.stderr)")
        let parts = result.stdout.split(separator: " ")
        return (Int(parts[0]) ?? 0, Double(parts[1].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
    }

    static var hasPillow: Bool { (try? Tool.run("python3", ["-c", "import PIL"]).status == 0) ?? false }

    @Test(
        "a train in downstream with blocked members: the page renders, shows its root causes, escapes a <script>",
        .enabled(
            if: (chromium != nil && hasPillow) || Tool.inCI,
            "needs chromium and pillow (script/setup --test installs them)"))
    func downstreamPage() throws {
        let chromium = try #require(Self.chromium, "CI installs chromium (apt-get)")
        try #require(Self.hasPillow, "CI installs pillow (pip)")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        try scratch.must(
            [
                "train", "rc", "2.6.0", "--number", "1", "--as", "alice",
            ] + CondaPackages.rcFiles(scratch.path("rc"), subdirs: ["linux-64", "osx-arm64"]))
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        // torchvision's build for each subdir of the RC: it is tested in each.
        let files = try ["linux-64", "osx-arm64"].map { subdir in
            try CondaPackages.make(
                scratch.path("new/" + subdir), "torchvision", "0.21.0", "py311_0", subdir, depends: ["pytorch 2.6.0.*"])
        }
        try scratch.must(["stage"] + files + ["--train", "2.6.0", "--as", "alice"])
        /// Reports `result` for `member` in each subdir's cell, as a pool of runners per subdir would.
        func test(_ member: String, _ result: String, log: String? = nil) throws {
            for subdir in ["linux-64", "osx-arm64"] {
                let claim = try scratch.json([
                    "ci", "claim", "--train", "2.6.0", "--kind", "test", "--package", member, "--subdir", subdir,
                    "--as", "r1",
                ])
                let id = try #require((claim["work"] as? [String: Any])?["id"] as? String)
                #expect(id.contains(subdir + "+any"))
                try scratch.must(
                    ["ci", "report", id, "--result", result, "--as", "r1"] + (log.map { ["--log", $0] } ?? []))
            }
        }
        try test("torchvision", "passed")
        try scratch.must(["train", "advance", "2.6.0", "--as", "alice"])
        try test("captum", "failed", log: "https://ci.example.org/captum/7")
        try scratch.must([
            "bump", "decline", "kornia", "--train", "2.6.0", "--reason", "<script>document.title='owned'</script>busy",
            "--as", "team",
        ])

        let server = try ServerCLITests.Server(scratch: scratch, catalog: CondaPackages.smallCatalog)
        defer { _ = server.stop() }
        let dom = try Self.browse(chromium, ["--dump-dom", server.url + "/trains/2.6.0"])
        try #require(dom.status == 0, "\(dom.stderr)")
        #expect(dom.stdout.contains("Why isn’t it moving?"))
        #expect(dom.stdout.contains("2 blocked members hold the train"))
        #expect(
            dom.stdout.contains(
                "</strong></a>: test failed against RC 1 in linux-64/any; log: https://ci.example.org/captum/7"))
        #expect(dom.stdout.contains("railyard train waive 2.6.0 captum --reason"))
        // The decline's reason is text: escaped in the DOM, and the script never ran.
        #expect(dom.stdout.contains("declined: &lt;script&gt;document.title='owned'&lt;/script&gt;busy"))
        #expect(!dom.stdout.contains("<script>"))
        #expect(dom.stdout.contains("<title>torch 2.6.0: downstream · Railyard</title>"))

        for (name, path, size) in [
            ("index", "/", "1280,900"), ("train", "/trains/2.6.0", "1280,2200"),
            ("phone", "/trains/2.6.0", "390,1600"), ("member", "/trains/2.6.0/members/captum", "1280,900"),
        ] {
            let png = scratch.path("\(name).png")
            let shot = try Self.browse(chromium, ["--window-size=\(size)", "--screenshot=\(png)", server.url + path])
            try #require(shot.status == 0 && FileManager.default.fileExists(atPath: png), "\(shot.stderr)")
            let (colors, inked) = try Self.nonBlank(png)
            #expect(colors > 20 && inked > 0.02, "\(name): \(colors) colours, \(inked) inked")
        }
    }

    @Test(
        "an HTTP/1.0 client gets its answer and the connection closed; a terminal browser reads the page",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/w3m") || Tool.inCI, "needs w3m"))
    func terminal() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/w3m"), "CI installs w3m (apt-get)")
        let scratch = try ChannelScratch()
        defer { scratch.remove() }
        try scratch.must(["train", "create", "2.6.0", "--catalog", CondaPackages.smallCatalog, "--as", "alice"])
        let server = try ServerCLITests.Server(scratch: scratch, catalog: CondaPackages.smallCatalog)
        defer { _ = server.stop() }
        // HTTP/1.0 without keep-alive: the server must close after the response (RFC 9112 §9.3).
        let raw = """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
            s.sendall(b"GET /health HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk: break
                data += chunk
            print(data.decode().split("\\r\\n")[0]); print(data.decode().endswith('{"status":"ok"}\\n'))
            """
        let closed = try Tool.run("python3", ["-c", raw, String(server.port)])
        #expect(closed.status == 0, "the connection was not closed: \(closed.stderr)")
        #expect(closed.stdout == "HTTP/1.1 200 OK\nTrue\n")
        let dump = try Tool.run("w3m", ["-dump", "-cols", "100", server.url + "/trains/2.6.0"])
        #expect(dump.status == 0)
        #expect(dump.stdout.contains("torch 2.6.0 planned"))
        #expect(dump.stdout.contains("Gate to leave planned"))
    }
}
