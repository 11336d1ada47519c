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
        abstract: "Run Baton against a Kafka cluster.",
        discussion: "Settings come from defaults, then the configuration file (--config or BATON_CONFIG), then BATON_* environment variables, then flags. `baton config check` prints the result."
    )

    @OptionGroup var settings: ServeSettingOptions

    @Flag(name: .customLong("exit-on-stdin-close"), help: "Exit when standard input closes (for parents that may die without cleaning up).")
    var exitOnStdinClose = false

    func run() async throws {
        let resolved = try settings.resolve()
        let (configuration, level) = try BatonConfiguration.serve(resolved)
        let logger = try makeLogger(
            "baton", level: level, format: resolved.text("log.format"),
            file: resolved.text("log.file").map { LogFileSettings(path: $0, maxMiB: resolved.integer("log.fileMaxMiB") ?? 100, keep: resolved.integer("log.fileKeep") ?? 5) }
        )
        if exitOnStdinClose { StdinWatchdog.start() }
        let kafka = configuration.kafka
        let provisioner = ClusterTopicProvisioner(
            kafka: kafka.client, create: kafka.createTopics, partitions: kafka.partitions, replicationFactor: kafka.replicationFactor, logger: logger
        )
        let app = try await buildApplication(configuration, provisioner: provisioner, logLevels: processLogLevels, logger: logger)
        logger.info(
            "baton serving",
            metadata: ["kafka": "\(kafka.bootstrapServers)", "store": "\(configuration.store.description)", "api": "http://\(configuration.api.host):\(configuration.api.port)"])
        try await app.run()
    }
}

/// Every `baton serve` setting as a flag, unset unless given, so the environment and the
/// configuration file underneath are not hidden by flag defaults; help texts come from the catalog.
struct ServeSettingOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Configuration file, YAML or JSON (env BATON_CONFIG).")
    var config: String?
    @Option(name: .customLong("bootstrap-servers"), help: Setting.help("kafka.bootstrapServers")) var bootstrapServers: String?
    @Option(name: .customLong("topic-prefix"), help: Setting.help("kafka.topicPrefix")) var topicPrefix: String?
    @Option(name: .customLong("group-id"), help: Setting.help("kafka.groupId")) var groupId: String?
    @Option(name: .customLong("create-topics"), help: Setting.help("kafka.createTopics")) var createTopics: String?
    @Option(name: .customLong("partitions"), help: Setting.help("kafka.partitions")) var partitions: String?
    @Option(name: .customLong("replication-factor"), help: Setting.help("kafka.replicationFactor")) var replicationFactor: String?
    @Option(name: .customLong("max-message-bytes"), help: Setting.help("kafka.maxMessageBytes")) var maxMessageBytes: String?
    @Option(name: .customLong("kafka-property"), help: Setting.help("kafka.properties")) var kafkaProperties: [String] = []
    @Option(name: .customLong("store"), help: Setting.help("store.location")) var store: String?
    @Option(name: .customLong("synchronous"), help: Setting.help("store.synchronous")) var synchronous: String?
    @Option(name: .customLong("api-host"), help: Setting.help("api.host")) var apiHost: String?
    @Option(name: .customLong("api-port"), help: Setting.help("api.port")) var apiPort: String?
    @Option(name: .customLong("default-retry"), help: Setting.help("engine.defaultRetry")) var defaultRetry: String?
    @Option(name: .customLong("event-window"), help: Setting.help("engine.eventWindow")) var eventWindow: String?
    @Option(name: .customLong("instance-cache-mb"), help: Setting.help("engine.instanceCacheMiB")) var instanceCacheMiB: String?
    @Option(name: .customLong("retention"), help: Setting.help("retention.finished")) var retention: String?
    @Option(name: .customLong("retention-workflow"), help: Setting.help("retention.workflows")) var retentionWorkflows: [String] = []
    @Option(name: .customLong("dedupe-window"), help: Setting.help("retention.dedupeWindow")) var dedupeWindow: String?
    @Option(name: .customLong("log-level"), help: Setting.help("log.level")) var logLevel: String?
    @Option(name: .customLong("log-format"), help: Setting.help("log.format")) var logFormat: String?
    @Option(name: .customLong("log-file"), help: Setting.help("log.file")) var logFile: String?
    @Option(name: .customLong("log-file-max-mb"), help: Setting.help("log.fileMaxMiB")) var logFileMaxMiB: String?
    @Option(name: .customLong("log-file-keep"), help: Setting.help("log.fileKeep")) var logFileKeep: String?
    @Option(name: .customLong("max-running"), help: Setting.help("limits.maxRunning")) var maxRunning: String?
    @Option(name: .customLong("max-queued"), help: Setting.help("limits.maxQueued")) var maxQueued: String?
    @Option(name: .customLong("task-rate"), help: Setting.help("limits.taskRates")) var taskRates: [String] = []
    @Option(name: .customLong("breaker"), help: Setting.help("breakers.default")) var breaker: String?
    @Option(name: .customLong("outbox-high-water"), help: Setting.help("intake.outboxHighWater")) var outboxHighWater: String?
    @Option(name: .customLong("outbox-low-water"), help: Setting.help("intake.outboxLowWater")) var outboxLowWater: String?
    @Option(name: .customLong("otlp-endpoint"), help: Setting.help("tracing.otlpEndpoint")) var otlpEndpoint: String?
    @Option(name: .customLong("service-name"), help: Setting.help("tracing.serviceName")) var serviceName: String?
    @Flag(name: .customLong("insecure-no-auth"), help: Setting.help("security.insecureNoAuth")) var insecureNoAuth = false
    @Option(name: .customLong("open-probes"), help: Setting.help("security.openProbes")) var openProbes: String?
    @Option(name: .customLong("jwt-issuer"), help: Setting.help("security.jwt.issuer")) var jwtIssuer: String?
    @Option(name: .customLong("jwt-audience"), help: Setting.help("security.jwt.audience")) var jwtAudience: String?
    @Option(name: .customLong("jwt-hmac-key-file"), help: Setting.help("security.jwt.hmacKeyFile")) var jwtHMACKeyFile: String?
    @Option(name: .customLong("jwt-jwks-file"), help: Setting.help("security.jwt.jwksFile")) var jwtJWKSFile: String?
    @Option(name: .customLong("jwt-roles-claim"), help: Setting.help("security.jwt.rolesClaim")) var jwtRolesClaim: String?

    var flags: [String: [String]] {
        var flags: [String: [String]] = ["kafka-property": kafkaProperties, "retention-workflow": retentionWorkflows, "task-rate": taskRates]
        if insecureNoAuth { flags["insecure-no-auth"] = ["true"] }
        let single: [(String, String?)] = [
            ("bootstrap-servers", bootstrapServers), ("topic-prefix", topicPrefix), ("group-id", groupId), ("create-topics", createTopics),
            ("partitions", partitions), ("replication-factor", replicationFactor), ("max-message-bytes", maxMessageBytes), ("store", store),
            ("synchronous", synchronous), ("api-host", apiHost), ("api-port", apiPort), ("default-retry", defaultRetry), ("event-window", eventWindow),
            ("instance-cache-mb", instanceCacheMiB), ("retention", retention), ("dedupe-window", dedupeWindow),
            ("log-level", logLevel), ("log-format", logFormat), ("log-file", logFile), ("log-file-max-mb", logFileMaxMiB), ("log-file-keep", logFileKeep),
            ("max-running", maxRunning), ("max-queued", maxQueued), ("breaker", breaker), ("outbox-high-water", outboxHighWater),
            ("outbox-low-water", outboxLowWater), ("otlp-endpoint", otlpEndpoint), ("service-name", serviceName), ("open-probes", openProbes),
            ("jwt-issuer", jwtIssuer), ("jwt-audience", jwtAudience), ("jwt-hmac-key-file", jwtHMACKeyFile), ("jwt-jwks-file", jwtJWKSFile),
            ("jwt-roles-claim", jwtRolesClaim),
        ]
        for case (let name, let value?) in single { flags[name] = [value] }
        return flags
    }

    /// Reads the configuration file (`--config`, else `BATON_CONFIG`) and layers it all.
    func resolve() throws -> ResolvedSettings {
        let environment = ProcessInfo.processInfo.environment
        var file: (name: String, document: JSONValue)?
        if let path = config ?? environment["BATON_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read the configuration file '\(path)'") }
            do {
                file = (path, try DefinitionDocument.parse(String(decoding: data, as: UTF8.self)))
            } catch {
                throw ValidationError("\(path): \(error.issues.map(\.message).joined(separator: "; "))")
            }
        }
        do {
            return try SettingsResolver.resolve(Setting.serve, file: file, environment: environment, flags: flags)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// `baton config check`: the effective `serve` configuration, secrets masked, or every problem.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Check Baton's configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Print the settings `baton serve` would run with (file, environment, flags layered; secrets masked).")

        @OptionGroup var settings: ServeSettingOptions

        func run() async throws {
            let resolved = try settings.resolve()
            do {
                _ = try BatonConfiguration.serve(resolved)
            } catch {
                throw ValidationError(error.description)
            }
            print(resolved.report())
        }
    }
}

extension Setting {
    /// A flag's help: what it is for, its file key, its environment variable and its default.
    static func help(_ key: String) -> ArgumentHelp {
        guard let setting = serve.first(where: { $0.key == key }) else { return ArgumentHelp(key) }
        var where_ = ["config \(setting.key)"]
        if let environment = setting.environment { where_.append("env \(environment)") }
        if let value = setting.defaultValue { where_.append("default \(value)") }
        return ArgumentHelp("\(setting.summary.prefix(1).uppercased() + setting.summary.dropFirst()) (\(where_.joined(separator: ", "))).")
    }
}
