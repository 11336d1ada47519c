// swift-tools-version:6.2
import PackageDescription

/// Every Baton target is compiled in Swift 6 mode with complete concurrency checking.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "baton",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "baton", targets: ["baton"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        // Already in the graph through Hummingbird; named for the API's HTTP parser-error handler.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        // The PostgreSQL store (several Baton processes on one database).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        // Metrics: the runtime records through swift-metrics' API; the composition root exports
        // them in Prometheus' text format (GET /metrics).
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Spans of workflows and steps (already in the graph through Hummingbird); Baton's own
        // OTLP/JSON exporter sends them, so no OpenTelemetry SDK is built.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
        // HMAC-SHA256 of API keys (and, to come, AES-GCM for data at rest).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // JWT verification (HS256, RS256, ES256, JWKS) for `serve`; on swift-crypto, which is built anyway.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        // C interop: the system librdkafka and SQLite, found through pkg-config.
        .systemLibrary(
            name: "CRDKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // Cron expressions and their fire times in a time zone, across DST changes: pure, no
        // dependencies (none is in the offline package set); tested against croniter's output.
        .target(name: "BatonCron", swiftSettings: strict),
        // Schedules: their documents, timing and policies (overlap, catch-up, pause, start/end
        // dates) and a pure planner.
        .target(name: "BatonScheduling", dependencies: ["BatonCron", "BatonCore", "BatonExpressions"], swiftSettings: strict),
        // JSON values, the expression language and JSON templates: pure, no dependencies.
        .target(name: "BatonExpressions", swiftSettings: strict),
        // The pure engine: definitions, instances, the state machine.
        .target(
            name: "BatonCore",
            dependencies: ["BatonExpressions", "BatonJSONSchema", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Wire types of the public topics, matching schemas/.
        .target(name: "BatonMessages", dependencies: ["BatonCore", "BatonExpressions"], swiftSettings: strict),
        // The only importer of CRDKafka.
        .target(
            name: "BatonKafka",
            dependencies: ["CRDKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Store protocol and the in-memory store.
        // JSON Schema 2020-12 validation of definition inputs and outputs (no validator for Swift is
        // in the offline package set); tested against the official JSON-Schema-Test-Suite.
        .target(name: "BatonJSONSchema", dependencies: ["BatonExpressions"], swiftSettings: strict),
        .target(name: "BatonStore", dependencies: ["BatonCore", "BatonExpressions", "BatonSecurity"], swiftSettings: strict),
        .target(name: "BatonStoreSQLite", dependencies: ["BatonStore", "BatonCore", "BatonExpressions", "BatonSecurity", "CSQLite"], swiftSettings: strict),
        // The PostgreSQL store, for several processes: the same contract, the database arbitrates.
        .target(
            name: "BatonStorePostgres",
            dependencies: [
                "BatonStore", "BatonCore", "BatonExpressions", "BatonSecurity",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Who may do what: permissions, roles, grants over workflow scopes, principals (pure).
        .target(
            name: "BatonSecurity",
            // Crypto is in the graph already (PostgresNIO's SCRAM authentication).
            dependencies: ["BatonCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Spans through swift-distributed-tracing with the ids Baton's Kafka records carry, and
        // their OTLP/JSON encoding.
        .target(
            name: "BatonTracing",
            dependencies: ["BatonCore", "BatonExpressions", .product(name: "Tracing", package: "swift-distributed-tracing")],
            swiftSettings: strict
        ),
        // Consumers -> engine -> store transaction -> outbox relay.
        .target(
            name: "BatonRuntime",
            dependencies: [
                "BatonCore", "BatonExpressions", "BatonMessages", "BatonStore", "BatonKafka", "BatonScheduling", "BatonTracing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // REST API; the HTTP mapping of errors lives only here.
        .target(
            name: "BatonAPI",
            dependencies: [
                "BatonCore", "BatonExpressions", "BatonMessages", "BatonStore", "BatonRuntime", "BatonScheduling", "BatonSecurity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            // schemas/openapi.yaml (a symlink here), compiled into the binary for GET /openapi.yaml.
            resources: [.embedInCode("Resources/openapi.yaml")],
            swiftSettings: strict
        ),
        // Composition root shared by the CLI and the tests.
        .target(
            name: "BatonServer",
            dependencies: [
                "BatonCore", "BatonExpressions", "BatonMessages", "BatonStore", "BatonStoreSQLite", "BatonStorePostgres", "BatonKafka", "BatonRuntime", "BatonAPI",
                "BatonTracing", "BatonSecurity",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonServer", "BatonAPI", "BatonCore", "BatonExpressions", "BatonMessages", "BatonRuntime", "BatonKafka", "BatonStore", "BatonStoreSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // What several test targets share: a real PostgreSQL started on 127.0.0.1 for the test run.
        .target(
            name: "BatonTestSupport",
            dependencies: [
                "BatonStorePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/BatonTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "BatonExpressionsTests", dependencies: ["BatonExpressions"], swiftSettings: strict),
        .testTarget(name: "BatonCronTests", dependencies: ["BatonCron"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "BatonSchedulingTests", dependencies: ["BatonScheduling", "BatonCron", "BatonExpressions"], swiftSettings: strict),
        .testTarget(
            name: "BatonCoreTests", dependencies: ["BatonCore", "BatonExpressions", "BatonMessages", "BatonStore"],
            exclude: ["Replays"], swiftSettings: strict
        ),
        .testTarget(name: "BatonJSONSchemaTests", dependencies: ["BatonJSONSchema", "BatonExpressions"], swiftSettings: strict),
        .testTarget(name: "BatonMessagesTests", dependencies: ["BatonMessages", "BatonCore", "BatonExpressions"], swiftSettings: strict),
        .testTarget(name: "BatonKafkaTests", dependencies: ["BatonKafka"], swiftSettings: strict),
        .testTarget(name: "BatonSecurityTests", dependencies: ["BatonSecurity", "BatonCore"], swiftSettings: strict),
        .testTarget(
            name: "BatonTracingTests",
            dependencies: ["BatonTracing", "BatonCore", .product(name: "Tracing", package: "swift-distributed-tracing")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonStoreTests",
            dependencies: [
                "BatonStore", "BatonStoreSQLite", "BatonStorePostgres", "BatonCore", "BatonExpressions", "BatonTestSupport", "BatonServer", "BatonSecurity",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"], swiftSettings: strict
        ),
        .testTarget(
            name: "BatonRuntimeTests",
            dependencies: [
                "BatonRuntime", "BatonStore", "BatonStoreSQLite", "BatonStorePostgres", "BatonTestSupport", "BatonCore", "BatonExpressions", "BatonMessages", "BatonKafka",
                "BatonScheduling", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonAPITests",
            dependencies: [
                "BatonAPI", "BatonRuntime", "BatonStore", "BatonCore", "BatonExpressions", "BatonSecurity",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonServerTests",
            dependencies: [
                "BatonServer", "BatonRuntime", "BatonCore", "BatonExpressions", "BatonSecurity", "BatonStore", "BatonStoreSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonEndToEndTests",
            dependencies: [
                "BatonServer", "BatonKafka", "BatonCore", "BatonExpressions", "BatonMessages", "BatonStore", "BatonStoreSQLite", "BatonStorePostgres",
                "BatonRuntime", "BatonTestSupport",
                // The OTLP collector the span export test sends to.
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
    ]
)
