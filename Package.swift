// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "kaohe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kaohe", targets: ["kaohe"]),
        .library(name: "KaoheEngine", targets: ["KaoheEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        // SHA-256 of uploaded evidence, streamed (BoringSSL's assembly; already built for PostgresNIO).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.9.0"..<"6.0.0"),
        // gzip of large API responses (zlib; Debian: zlib1g-dev).
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // Pure scoring engine: value types, exact decimals, no I/O, no Foundation.
        .target(name: "KaoheEngine", swiftSettings: swiftSettings),
        // Scheme files (YAML), facts documents (JSON), result encoding, calendar data, built-in schemes.
        .target(
            name: "KaoheFormats",
            dependencies: ["KaoheEngine", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Resources/schemes"), .copy("Resources/calendar")],
            swiftSettings: swiftSettings
        ),
        // Command-line commands (library so tests can call them).
        .target(
            name: "KaoheCLI",
            dependencies: [
                "KaoheFormats", "KaoheWeb", "KaoheStorage", "KaoheStorageSQL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // SHA-256 of the files of a backup.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "kaohe", dependencies: ["KaoheCLI"], swiftSettings: swiftSettings),
        // Benchmarks: print figures, never fail on a slow machine.
        .executableTarget(
            name: "kaohe-bench", dependencies: ["KaoheFormats"], path: "Benchmarks/kaohe-bench",
            swiftSettings: swiftSettings),

        // Web platform (issue 3): storage interface and models, SQL storage (SQLite + PostgreSQL), Hummingbird app.
        .target(name: "KaoheStorage", swiftSettings: swiftSettings),
        .target(
            name: "KaoheStorageSQL",
            dependencies: [
                "KaoheStorage",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KaoheWeb",
            dependencies: [
                "KaoheStorage", "KaoheStorageSQL", "KaoheFormats", "KaoheExport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Exports (issue 3): ZIP, XLSX, CSV with BOM, SVG charts; Foundation only.
        .target(name: "KaoheExport", swiftSettings: swiftSettings),

        .testTarget(name: "KaoheEngineTests", dependencies: ["KaoheEngine"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheFormatsTests", dependencies: ["KaoheFormats"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheCLITests", dependencies: ["KaoheCLI", "KaoheFormats"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheStorageTests", dependencies: ["KaoheStorage", "KaoheStorageSQL"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheWebTests",
            dependencies: [
                "KaoheWeb", "KaoheStorage", "KaoheStorageSQL", "KaoheCLI", "KaoheFormats", "KaoheEngine",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "KaoheExportTests", dependencies: ["KaoheExport"], swiftSettings: swiftSettings),
    ]
)
