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
        // SHA-256 of uploaded evidence (streamed), the audit chain and token hashes (BoringSSL's assembly;
        // already built for PostgresNIO).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.9.0"..<"6.0.0"),
        // gzip of large API responses (zlib; Debian: zlib1g-dev).
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The background service that sends notification e-mails from the outbox (already used by Hummingbird).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // multipart/form-data (evidence uploads), parsed as the body streams in.
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        // XLSX import (issue 10): the ZIP container is read with ZIPFoundation, the sheet XML with XMLParser.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Pure scoring engine: value types, exact decimals, no I/O, no Foundation.
        .target(name: "KaoheEngine", swiftSettings: swiftSettings),
        // Platform records (issue 10): record types, validation, working-day deadlines, derivation of facts.
        // Pure: value types, no I/O, no Foundation.
        .target(name: "KaoheRecords", dependencies: ["KaoheEngine"], swiftSettings: swiftSettings),
        // Scheme files (YAML, with derive: sections), facts documents (JSON), result encoding, calendar data,
        // built-in schemes, record files (CSV, JSON Lines) and DeriveRun.
        .target(
            name: "KaoheFormats",
            dependencies: [
                "KaoheEngine", "KaoheRecords", .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Resources/schemes"), .copy("Resources/calendar")],
            swiftSettings: swiftSettings
        ),
        // Command-line commands (library so tests can call them).
        .target(
            name: "KaoheCLI",
            dependencies: [
                "KaoheFormats", "KaoheRecords", "KaoheApplication", "KaoheWeb", "KaoheStorage", "KaoheStorageSQL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // SHA-256 of the files of a backup.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "kaohe", dependencies: ["KaoheCLI"], swiftSettings: swiftSettings),
        // Benchmarks: print figures, never fail on a slow machine.
        .executableTarget(
            name: "kaohe-bench",
            dependencies: [
                "KaoheFormats", "KaoheRecords", "KaoheApplication", "KaoheStorage", "KaoheStorageSQL", "KaoheWeb",
            ],
            path: "Benchmarks/kaohe-bench",
            swiftSettings: swiftSettings),

        // Web platform (issue 3): storage interface and models, SQL storage (SQLite + PostgreSQL), Hummingbird app.
        .target(
            name: "KaoheStorage", dependencies: ["KaoheEngine", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
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
        // Application layer (issue 9): operations with typed inputs, permissions, domain errors, the auth
        // service, the scheme catalog, evidence, the demo and start-up wiring. No HTTP: the web and the CLI use it.
        .target(
            name: "KaoheApplication",
            dependencies: [
                "KaoheStorage", "KaoheStorageSQL", "KaoheFormats", "KaoheEngine", "KaoheExport", "KaoheRecords",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Web platform: routing, controllers and views over the application layer.
        .target(
            name: "KaoheWeb",
            dependencies: [
                "KaoheApplication", "KaoheStorage", "KaoheFormats", "KaoheExport", "KaoheRecords",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Exports (issue 3): ZIP, XLSX, CSV with BOM, SVG charts; Foundation and zlib's crc32 (no NIO).
        .target(name: "KaoheExport", dependencies: ["CKaoheZlib"], swiftSettings: swiftSettings),
        // Named apart from ZIPFoundation's own `CZlib` module (clang refuses two modules of one name).
        .systemLibrary(
            name: "CKaoheZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),

        // Test doubles and helpers shared by the test targets (never linked into the product).
        .target(
            name: "KaoheTestSupport", dependencies: ["KaoheStorage", "KaoheEngine"], path: "Tests/KaoheTestSupport",
            swiftSettings: swiftSettings),
        .testTarget(name: "KaoheEngineTests", dependencies: ["KaoheEngine"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheFormatsTests",
            dependencies: [
                "KaoheFormats", "KaoheRecords", "KaoheExport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ], swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheRecordsTests", dependencies: ["KaoheRecords", "KaoheEngine"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheCLITests", dependencies: ["KaoheCLI", "KaoheFormats", "KaoheTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheStorageTests",
            dependencies: ["KaoheStorage", "KaoheStorageSQL", "KaoheTestSupport", "KaoheEngine"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "KaoheWebTests",
            dependencies: [
                "KaoheWeb", "KaoheApplication", "KaoheStorage", "KaoheStorageSQL", "KaoheCLI", "KaoheFormats",
                "KaoheEngine", "KaoheTestSupport", "KaoheRecords",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "KaoheExportTests", dependencies: ["KaoheExport"], swiftSettings: swiftSettings),
    ]
)
