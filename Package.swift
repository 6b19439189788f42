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
    ],
    targets: [
        // Pure core: conda versions and specs (later: catalog, planner, train state machine).
        // Foundation only; no I/O, no clock, no logging.
        .target(name: "RailyardCore"),
        .executableTarget(
            name: "railyard",
            dependencies: [
                "RailyardCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "RailyardCoreTests",
            dependencies: [
                "RailyardCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // End-to-end tests of the `railyard` executable, run as a real process.
        .testTarget(
            name: "RailyardCLITests",
            dependencies: ["railyard"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
