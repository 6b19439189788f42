// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Railyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "railyard", targets: ["railyard"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // Pure core: conda versions and specs, the catalog, the planner, the train state machine.
        // Foundation only; no I/O, no clock, no logging.
        .target(name: "RailyardCore"),
        // libyaml, the reference C YAML parser, from the system (Debian: libyaml-dev).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // Reads catalog files: YAML text (through libyaml's events) into the core's document tree.
        .target(name: "RailyardYAML", dependencies: ["RailyardCore", "CYAML"]),
        // The schema: plain .sql files at the top-level Migrations/, compiled into the binary.
        .target(
            name: "RailyardMigrations",
            path: "Migrations",
            resources: [
                .embedInCode("m0001_trains.sql"), .embedInCode("m0002_work_claims.sql"),
                .embedInCode("m0003_build_work.sql"), .embedInCode("m0004_tokens.sql"),
                .embedInCode("m0005_deliveries.sql"), .embedInCode("m0006_request_keys.sql"),
                .embedInCode("m0007_token_roles.sql"), .embedInCode("m0008_claims_as_events.sql"),
                .embedInCode("m0009_support_members.sql"),
                .embedInCode("m0010_channel_log.sql"),
            ]
        ),
        // GRDB over the system libsqlite3: the only module that knows SQL.
        .target(
            name: "RailyardStore",
            dependencies: [
                "RailyardCore", "RailyardMigrations", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // libarchive from the system (Debian: libarchive-dev): zip, tar, bzip2 and zstd.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        // The channel driver: conda package files, repodata, labels and the all-at-once promotion
        // on a local folder; it carries out what the core's promotion plan decided.
        .target(
            name: "RailyardChannel",
            dependencies: ["RailyardCore", "CArchive", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The application layer: every use case behind one protocol (TrainService), run here over
        // the store and the channel (LocalTrainService) or on a server over HTTP
        // (RemoteTrainService), answering the same response types and errors.
        .target(
            name: "RailyardApplication",
            dependencies: [
                "RailyardCore", "RailyardStore", "RailyardChannel", "RailyardNotify",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The solver helper (docs/solver.md), run with python3 from the binary itself.
            resources: [.embedInCode("Resources/solve.py")]
        ),
        // Notifications: the outbox's delivery loop and its routes (signed webhooks, sendmail).
        .target(
            name: "RailyardNotify",
            dependencies: [
                "RailyardCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The server of `railyard serve`: Hummingbird 2 with ServiceLifecycle; the API, the channel
        // over HTTP, health and Prometheus metrics. A thin driver: every rule stays in the core.
        .target(
            name: "RailyardServer",
            dependencies: [
                "RailyardCore", "RailyardStore", "RailyardChannel", "RailyardApplication", "RailyardYAML",
                "RailyardNotify", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ],
            // The OpenAPI 3 document of /api/v1, served at /api/v1/openapi.json.
            resources: [.embedInCode("Resources/openapi.json")]
        ),
        .executableTarget(
            name: "railyard",
            dependencies: [
                "RailyardServer", "RailyardNotify",
                .product(name: "Logging", package: "swift-log"),
                "RailyardCore",
                "RailyardYAML",
                "RailyardStore",
                "RailyardChannel",
                "RailyardApplication",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks/: commands per second through the store against raw SQLite.
        .executableTarget(
            name: "railyard-store-bench",
            dependencies: [
                "RailyardCore", "RailyardYAML", "RailyardStore", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/StoreBench"
        ),
        // Benchmarks/: promotion and verify of a large channel, driven by channel_scale.py.
        .executableTarget(
            name: "railyard-channel-bench",
            dependencies: ["RailyardCore", "RailyardYAML", "RailyardStore", "RailyardChannel", "RailyardApplication"],
            path: "Benchmarks/ChannelBench"
        ),
        // Benchmarks/: the solver's check of a 30-member, 12-cell train, driven by solver_scale.py.
        .executableTarget(
            name: "railyard-solve-bench",
            dependencies: ["RailyardCore", "RailyardYAML", "RailyardStore", "RailyardChannel", "RailyardApplication"],
            path: "Benchmarks/SolveBench"
        ),
        // Fuzz/: one libFuzzer target per parser, run by `script/fuzz TARGET SECONDS`; built
        // normally they replay the files named on their command line.
        .target(name: "FuzzDriver", path: "Fuzz/Driver"),
        .executableTarget(name: "fuzz-version", dependencies: ["FuzzDriver", "RailyardCore"], path: "Fuzz/version"),
        .executableTarget(
            name: "fuzz-version-spec", dependencies: ["FuzzDriver", "RailyardCore"], path: "Fuzz/version-spec"),
        .executableTarget(
            name: "fuzz-match-spec", dependencies: ["FuzzDriver", "RailyardCore"], path: "Fuzz/match-spec"),
        .executableTarget(
            name: "fuzz-catalog", dependencies: ["FuzzDriver", "RailyardCore", "RailyardYAML"], path: "Fuzz/catalog"),
        .executableTarget(
            name: "fuzz-index-json", dependencies: ["FuzzDriver", "RailyardCore", "RailyardChannel"],
            path: "Fuzz/index-json"),
        .testTarget(
            name: "RailyardCoreTests",
            dependencies: [
                "RailyardCore",
                "RailyardYAML",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "RailyardStoreTests",
            dependencies: ["RailyardStore", "RailyardCore", "RailyardYAML", "RailyardMigrations"]
        ),
        .testTarget(
            name: "RailyardServerTests",
            dependencies: [
                "RailyardServer", "RailyardStore", "RailyardCore", "RailyardYAML", "RailyardChannel",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // The use cases in-process, on a real database and channel: several trains interleaved.
        .testTarget(
            name: "RailyardApplicationTests",
            dependencies: [
                "RailyardApplication", "RailyardStore", "RailyardChannel", "RailyardCore", "RailyardYAML",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "RailyardChannelTests",
            dependencies: ["RailyardChannel", "RailyardCore"]
        ),
        // End-to-end tests of the `railyard` executable, run as a real process.
        .testTarget(
            name: "RailyardCLITests",
            dependencies: ["railyard"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
