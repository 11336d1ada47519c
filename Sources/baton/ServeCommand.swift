import ArgumentParser
import BatonCore
import BatonExpressions
import Foundation
import BatonKafka
import BatonServer
import BatonStoreSQLite

/// Where Baton's Kafka is and what its topics are called: shared by `serve` and `worker`.
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-servers"), help: "Kafka bootstrap servers (env BATON_KAFKA_BOOTSTRAP).")
    var bootstrapServers: String = ProcessEnvironment.value("BATON_KAFKA_BOOTSTRAP") ?? "127.0.0.1:9092"

    @Option(name: .customLong("topic-prefix"), help: "Prefix of Baton's topics (env BATON_TOPIC_PREFIX).")
    var topicPrefix: String = ProcessEnvironment.value("BATON_TOPIC_PREFIX") ?? "baton."
}

/// Options shared by `serve` and `dev`, each with an environment variable for containers.
struct StoreOptions: ParsableArguments {
    @Option(help: "SQLite file, or postgres://user:password@host:port/database[?sslmode=…&pool=N] (env BATON_STORE).")
    var store: String = ProcessEnvironment.value("BATON_STORE") ?? "baton.sqlite"

    @Option(help: "SQLite durability: full (survives power loss) or normal (env BATON_SYNCHRONOUS).")
    var synchronous: String = ProcessEnvironment.value("BATON_SYNCHRONOUS") ?? "full"

    func configuration() throws -> BatonConfiguration.Store {
        let level: SQLiteStore.Synchronous
        switch synchronous.lowercased() {
        case "full": level = .full
        case "normal": level = .normal
        default: throw ValidationError("--synchronous must be 'full' or 'normal', not '\(synchronous)'")
        }
        do {
            return try BatonConfiguration.Store(location: store, synchronous: level)
        } catch {
            throw ValidationError("--store: \(error.message)")
        }
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Baton against a Kafka cluster."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .customLong("group-id"), help: "Consumer group of Baton's input consumers (env BATON_GROUP_ID).")
    var groupId: String = ProcessEnvironment.value("BATON_GROUP_ID") ?? "baton"

    @Option(name: .customLong("create-topics"), help: "Create missing topics: true or false (env BATON_CREATE_TOPICS).")
    var createTopics: Bool = (ProcessEnvironment.value("BATON_CREATE_TOPICS") ?? "true") == "true"

    @Option(help: "Partitions of topics Baton creates (env BATON_PARTITIONS).")
    var partitions: Int = Int(ProcessEnvironment.value("BATON_PARTITIONS") ?? "") ?? 8

    @Option(name: .customLong("replication-factor"), help: "Replication factor of topics Baton creates (env BATON_REPLICATION_FACTOR).")
    var replicationFactor: Int = Int(ProcessEnvironment.value("BATON_REPLICATION_FACTOR") ?? "") ?? 1

    @Option(name: .customLong("kafka-property"), help: "A librdkafka property, key=value; repeatable (TLS, SASL, tuning).")
    var kafkaProperties: [String] = []

    @Option(
        name: .customLong("max-message-bytes"),
        help: "Largest record Baton publishes (the producer's message.max.bytes; inputs get 16 KiB less); at most the brokers' limit (env BATON_MAX_MESSAGE_BYTES).")
    var maxMessageBytes: Int = Int(ProcessEnvironment.value("BATON_MAX_MESSAGE_BYTES") ?? "") ?? 1_000_000

    @Option(name: .customLong("api-host"), help: "REST API interface (env BATON_API_HOST).")
    var apiHost: String = ProcessEnvironment.value("BATON_API_HOST") ?? "127.0.0.1"

    @Option(name: .customLong("api-port"), help: "REST API port (env BATON_API_PORT).")
    var apiPort: Int = Int(ProcessEnvironment.value("BATON_API_PORT") ?? "") ?? 8080

    @OptionGroup var storeOptions: StoreOptions

    @Option(
        name: .customLong("default-retry"),
        help: "Retry policy of task steps whose step and definition set none, as JSON, e.g. '{\"maxAttempts\":3,\"initialInterval\":\"1s\"}' (env BATON_DEFAULT_RETRY). Default: no retry.")
    var defaultRetry: String = ProcessInfo.processInfo.environment["BATON_DEFAULT_RETRY"] ?? ""

    @Option(
        name: .customLong("event-window"),
        help: "How long an event or signal no waitForEvent step waits for yet is kept, e.g. 10m (env BATON_EVENT_WINDOW). Default 10m.")
    var eventWindow: String = ProcessInfo.processInfo.environment["BATON_EVENT_WINDOW"] ?? "10m"

    @Option(
        name: .customLong("instance-cache-mb"),
        help: "Memory for running instances kept between steps, in MiB (estimated; least recently used dropped first; env BATON_INSTANCE_CACHE_MB). Default 128.")
    var instanceCacheMiB: Int = Int(ProcessInfo.processInfo.environment["BATON_INSTANCE_CACHE_MB"] ?? "") ?? 128

    @Flag(name: .customLong("exit-on-stdin-close"), help: "Exit when standard input closes (for parents that may die without cleaning up).")
    var exitOnStdinClose = false

    func validate() throws {
        guard (32 * 1024...100 * 1024 * 1024).contains(maxMessageBytes) else {
            throw ValidationError("--max-message-bytes must be between 32768 and 104857600, got \(maxMessageBytes)")
        }
        guard parseDuration(.string(eventWindow)) != nil else {
            throw ValidationError("--event-window must be a duration such as 30s, 10m or 1h, got '\(eventWindow)'")
        }
        guard (0...1_048_576).contains(instanceCacheMiB) else {
            throw ValidationError("--instance-cache-mb must be between 0 (no cache) and 1048576, got \(instanceCacheMiB)")
        }
    }

    func run() async throws {
        let logger = makeLogger("baton")
        if exitOnStdinClose { StdinWatchdog.start() }
        var properties: [String: String] = [:]
        for pair in kafkaProperties {
            guard let eq = pair.firstIndex(of: "=") else { throw ValidationError("--kafka-property takes key=value, got '\(pair)'") }
            properties[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        var configuration = BatonConfiguration(
            kafka: .init(
                bootstrapServers: cluster.bootstrapServers, topicPrefix: cluster.topicPrefix, groupId: groupId, properties: properties,
                createTopics: createTopics, partitions: partitions, replicationFactor: replicationFactor,
                maxMessageBytes: maxMessageBytes
            ),
            store: try storeOptions.configuration(),
            api: .init(host: apiHost, port: apiPort),
            defaultRetryPolicy: try Self.retryPolicy(defaultRetry)
        )
        configuration.eventWindowMilliseconds = parseDuration(.string(eventWindow)) ?? 600_000
        configuration.instanceCacheBytes = instanceCacheMiB << 20
        let provisioner = ClusterTopicProvisioner(
            kafka: configuration.kafka.client, create: createTopics, partitions: partitions, replicationFactor: replicationFactor, logger: logger
        )
        let app = try await buildApplication(configuration, provisioner: provisioner, logger: logger)
        logger.info("baton serving", metadata: ["kafka": "\(cluster.bootstrapServers)", "store": "\(configuration.store.description)", "api": "http://\(apiHost):\(apiPort)"])
        try await app.run()
    }

    /// The same `retry` object a definition takes, validated the same way.
    static func retryPolicy(_ json: String) throws -> RetryPolicy {
        guard !json.isEmpty else { return .none }
        do {
            let document = try JSONValue.parse(Array(json.utf8))
            let compiled = try DefinitionCompiler.compile(document: ["id": "service-default", "retry": document, "steps": [["id": "s", "type": "succeed"]]])
            return compiled.retry ?? .none
        } catch let error as DefinitionError {
            throw ValidationError("--default-retry: " + error.issues.map { "\($0.field.replacingOccurrences(of: "/retry", with: "")): \($0.message)" }.joined(separator: "; "))
        } catch {
            throw ValidationError("--default-retry is not valid JSON: \(error)")
        }
    }
}
