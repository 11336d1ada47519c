import BatonAPI
import BatonCore
import BatonRuntime
import BatonKafka
import BatonMessages
import BatonStore
import BatonStorePostgres
import BatonStoreSQLite

/// Everything needed to run Baton, with documented defaults. `baton serve` fills it from flags and
/// environment variables; `baton dev` and the tests build it directly.
public struct BatonConfiguration: Sendable {
    public struct Kafka: Sendable {
        /// `host:port,…` of the cluster. Default: `127.0.0.1:9092`.
        public var bootstrapServers: String
        /// Topic name prefix. Default: `baton.`.
        public var topicPrefix: String
        /// Consumer group of Baton's input consumers. Default: `baton`.
        public var groupId: String
        /// Any librdkafka property (TLS, SASL, tuning), applied to every client.
        public var properties: [String: String]
        /// Create missing topics at start-up (and task topics on registration). Default: true.
        public var createTopics: Bool
        /// Partitions of topics Baton creates. Default: 8.
        public var partitions: Int
        /// Replication factor of topics Baton creates. Default: 1 (use 3 on a real cluster).
        public var replicationFactor: Int
        /// The largest record Baton publishes (key, value and headers), set as the producer's
        /// `message.max.bytes` (a `message.max.bytes` in `properties` is overridden by it).
        /// Inputs are held to this less 16 KiB for Baton's envelope (see `MessageBudget`); keep it
        /// at or below the brokers' `message.max.bytes`. Default: 1,000,000 bytes.
        public var maxMessageBytes: Int
        /// Messages per processed batch (and store transaction). Default: 500.
        public var maxBatchSize: Int

        public init(
            bootstrapServers: String = "127.0.0.1:9092", topicPrefix: String = "baton.", groupId: String = "baton",
            properties: [String: String] = [:], createTopics: Bool = true, partitions: Int = 8, replicationFactor: Int = 1,
            maxMessageBytes: Int = 1_000_000, maxBatchSize: Int = 500
        ) {
            self.bootstrapServers = bootstrapServers
            self.topicPrefix = topicPrefix
            self.groupId = groupId
            self.properties = properties
            self.createTopics = createTopics
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.maxMessageBytes = maxMessageBytes
            self.maxBatchSize = maxBatchSize
        }

        public var topics: TopicNames { TopicNames(prefix: topicPrefix) }
        public var budget: MessageBudget { MessageBudget(maxRecordBytes: maxMessageBytes) }
        public var client: KafkaConfiguration {
            var properties = properties
            properties["message.max.bytes"] = String(maxMessageBytes)
            return KafkaConfiguration(bootstrapServers: bootstrapServers, clientId: "baton", properties: properties)
        }
    }

    public struct Store: Sendable {
        /// SQLite file. Default: `baton.sqlite`.
        public var path: String
        /// Default: `.full` — a committed transition survives power loss.
        public var synchronous: SQLiteStore.Synchronous
        /// When set, the store is this PostgreSQL database and `path`/`synchronous` are unused.
        public var postgres: PostgresStore.Configuration?

        public init(path: String = "baton.sqlite", synchronous: SQLiteStore.Synchronous = .full, postgres: PostgresStore.Configuration? = nil) {
            self.path = path
            self.synchronous = synchronous
            self.postgres = postgres
        }

        /// `--store`: a `postgres://` (or `postgresql://`) URL picks PostgreSQL, anything else is
        /// a SQLite file path.
        ///
        /// - Throws: `StoreError` `.invalid` for a PostgreSQL URL that does not parse.
        public init(location: String, synchronous: SQLiteStore.Synchronous = .full) throws(StoreError) {
            if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
                self.init(path: "", synchronous: synchronous, postgres: try PostgresStore.Configuration(url: location))
            } else {
                self.init(path: location, synchronous: synchronous)
            }
        }

        /// Where the store is, for logs (no password).
        public var description: String { postgres?.redactedURL ?? path }
    }

    public struct API: Sendable {
        /// Default: `127.0.0.1`.
        public var host: String
        /// Default: 8080; 0 picks a free port.
        public var port: Int
        /// Set false to run without the REST API (workers and triggers only). Default: true.
        public var enabled: Bool
        /// No authentication: every caller is an admin and `X-Baton-Actor` names the actor
        /// (`--insecure-no-auth`; a warning at every start). Default: false — callers present an
        /// API key, and Baton refuses to start until an admin key exists.
        public var insecureNoAuth: Bool
        /// Probes answered without credentials. Default: `/livez`, `/readyz`.
        public var openProbes: Set<String>
        /// JWT bearer tokens accepted beside API keys. Default: none.
        public var jwt: JWTSettings?

        public init(
            host: String = "127.0.0.1", port: Int = 8080, enabled: Bool = true, insecureNoAuth: Bool = false,
            openProbes: Set<String> = APIAuthentication.defaultOpenProbes
        ) {
            self.host = host
            self.port = port
            self.enabled = enabled
            self.insecureNoAuth = insecureNoAuth
            self.openProbes = openProbes
        }
    }

    public var kafka: Kafka
    public var store: Store
    public var api: API
    /// The retry policy of task steps whose step and definition set none. Default: no retry, so
    /// nothing is repeated that a definition's author did not ask to repeat.
    public var defaultRetryPolicy: RetryPolicy
    /// How long a trigger-topic event or a signal that no `waitForEvent` step waits for yet is
    /// kept to be matched when one does. Default 10 minutes.
    public var eventWindowMilliseconds: Int64 = 600_000
    /// The byte budget of running instances held in memory (least recently used dropped first).
    public var instanceCacheBytes: Int = 128 << 20
    /// How many instances may run at once and wait to (see `ConcurrencyLimits`).
    public var limits = ConcurrencyLimits()
    /// Task requests per second by task type (see `OrchestratorConfiguration.taskRates`).
    public var taskRates: [String: Double] = [:]
    /// Circuit breakers per task type (see `CircuitBreakerService`).
    public var breakers = BreakerSettings()
    /// When the trigger topic pauses (see `IntakeGovernor`).
    public var intake = IntakeLimits()
    /// How long finished instances and dedupe marks are kept (see `RetentionService`).
    public var retention = RetentionService.Configuration()
    /// Where workflow and step spans are exported (see `TracingExport`).
    public var tracing = TracingExport()

    public init(kafka: Kafka = Kafka(), store: Store = Store(), api: API = API(), defaultRetryPolicy: RetryPolicy = .none) {
        self.kafka = kafka
        self.store = store
        self.api = api
        self.defaultRetryPolicy = defaultRetryPolicy
    }
}

/// Spans of workflows and steps, sent to an OTLP collector. Off by default: the W3C trace context
/// is carried on every record either way; spans cost work only once a collector is named.
public struct TracingExport: Sendable {
    /// The collector's OTLP/HTTP traces URL; nil: no spans are made.
    public var otlpEndpoint: OTLPEndpoint?
    /// `service.name` of the spans' resource.
    public var serviceName: String
    /// How often buffered spans are sent.
    public var interval: Duration

    public init(otlpEndpoint: OTLPEndpoint? = nil, serviceName: String = "baton", interval: Duration = .seconds(1)) {
        self.otlpEndpoint = otlpEndpoint
        self.serviceName = serviceName
        self.interval = interval
    }
}
