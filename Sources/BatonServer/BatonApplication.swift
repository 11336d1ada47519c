import BatonAPI
import BatonCore
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonStore
import BatonStorePostgres
import BatonStoreSQLite
import BatonTracing
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// A composed Baton: store, commit path, orchestrator, input consumer, timer service, outbox relay
/// and REST API.
///
/// Built by `buildApplication(_:provisioner:logger:)`, the one composition root shared by the
/// CLI and the end-to-end tests, so what the tests run is what users run.
public final class BatonApplication: Sendable {
    public let configuration: BatonConfiguration
    public let orchestrator: Orchestrator
    /// What the REST API serves (reads, commands, readiness); tests and the CLI use it directly.
    public let service: WorkflowAPIService
    /// What keeps this process from being ready (`/readyz`).
    public let readiness: Readiness
    /// The SQLite or PostgreSQL store (`configuration.store`).
    public let store: any WorkflowStore
    public let producer: KafkaProducer
    public let consumer: KafkaConsumer
    public let relay: OutboxRelay
    public let inputConsumer: InputConsumer
    public let timers: TimerService
    /// With a store several processes share (PostgreSQL): this process's outbox shards, and the
    /// poll that learns definitions registered elsewhere. Nil on SQLite.
    public let outboxLeases: OutboxShardLeases?
    let definitionWatcher: DefinitionWatcher?
    let exporter: PrometheusExporter
    let api: (any Service)?
    let logger: Logger
    /// Extra services run in the same group (the example worker in `baton dev`).
    let extraServices: [any Service]

    init(configuration: BatonConfiguration, orchestrator: Orchestrator, service: WorkflowAPIService, readiness: Readiness, store: any WorkflowStore, producer: KafkaProducer, consumer: KafkaConsumer, relay: OutboxRelay, inputConsumer: InputConsumer, timers: TimerService, outboxLeases: OutboxShardLeases?, definitionWatcher: DefinitionWatcher?, exporter: PrometheusExporter, api: (any Service)?, extraServices: [any Service], logger: Logger) {
        self.exporter = exporter
        self.outboxLeases = outboxLeases
        self.definitionWatcher = definitionWatcher
        self.configuration = configuration
        self.orchestrator = orchestrator
        self.service = service
        self.readiness = readiness
        self.store = store
        self.producer = producer
        self.consumer = consumer
        self.relay = relay
        self.inputConsumer = inputConsumer
        self.timers = timers
        self.api = api
        self.extraServices = extraServices
        self.logger = logger
    }

    /// What `GET /metrics` answers now (Prometheus' text format), also without the API.
    public func metricsExposition() async -> String {
        String(decoding: await exporter.exposition(), as: UTF8.self)
    }

    /// The services, in start order (stopped in reverse).
    public var services: [any Service] {
        // The leases stop after the relay (reverse order), so they are given back only once
        // nothing of their shards is on its way.
        var all: [any Service] = outboxLeases.map { [$0] } ?? []
        all += [relay, inputConsumer, timers]
        if let definitionWatcher { all.append(definitionWatcher) }
        if let api { all.append(api) }
        return all + extraServices
    }

    /// Runs until SIGINT/SIGTERM (or cancellation), then shuts down gracefully: the in-flight batch
    /// finishes its transaction and the clients close.
    public func run(extraServices extra: [any Service] = [], signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: (services + extra).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: signals, logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            await shutdownClients()
            logSummary()
            throw error
        }
        await shutdownClients()
        logSummary()
    }

    /// What this process did, logged once as it stops (`notice`): with several processes, the
    /// refusals by compare-and-set say how often they stepped on each other's instances.
    func logSummary() {
        let c = orchestrator.counters
        logger.notice("stopped", metadata: [
            "messagesProcessed": "\(c.messagesProcessed)", "instancesStarted": "\(c.instancesStarted)", "resultsApplied": "\(c.resultsApplied)",
            "timersFired": "\(c.timersFired)", "outboxPublished": "\(c.outboxPublished)", "inputsIgnored": "\(c.totalIgnored)",
            "commitsRefusedStale": "\(c.commitsRefusedStale)", "commandsDecidedAgain": "\(c.commandsDecidedAgain)",
        ])
    }

    /// Leaves the consumer group and flushes the producer, blocking calls that run on a thread of
    /// their own, not on the cooperative pool.
    func shutdownClients() async {
        await withDedicatedThread("baton-shutdown") { [consumer, producer] in
            consumer.close()
            producer.shutdown()
        }
    }
}

/// Opens the store, connects to Kafka, provisions topics and wires the services together.
public func buildApplication(
    _ configuration: BatonConfiguration, provisioner: any TopicProvisioner, extraServices: [any Service] = [],
    apiStarted: @escaping @Sendable (Int) -> Void = { _ in }, latencyProbe: StepLatencyProbe? = nil, logLevels: LogLevelSwitch? = nil, logger: Logger
) async throws -> BatonApplication {
    let topics = configuration.kafka.topics
    let store = try await openStore(configuration.store, logger: logger)
    do {
        let authentication = configuration.api.enabled ? try await configuration.api.authentication(store: store, logger: logger) : .disabled
        try await provisioner.ensure(topics.fixed)
        let ids = InstanceIdGenerator(now: { UInt64(max(0, (Date().timeIntervalSince1970 * 1000).rounded(.down))) })
        let producer = try KafkaProducer(configuration: configuration.kafka.client, logger: logger)
        let consumer = try KafkaConsumer(
            configuration: configuration.kafka.client,
            options: .init(groupId: configuration.kafka.groupId, topics: topics.inputs, maxBatchSize: configuration.kafka.maxBatchSize, deliversIdleBatches: true, reportsLostOffsets: true),
            logger: logger
        )
        var onDelivered: (@Sendable ([OutboxMessage]) -> Void)?
        if let latencyProbe {
            let taskTopicPrefix = topics.tasks("")
            onDelivered = { rows in
                let ids = rows.compactMap { row -> String? in
                    guard row.topic.hasPrefix(taskTopicPrefix), let key = row.key else { return nil }
                    return String(decoding: key, as: UTF8.self)
                }
                latencyProbe.delivered(instanceIds: ids)
            }
        }
        // Built downstream first, so every part is handed what it feeds and nothing calls back up:
        // relay and timer wake-up ← commit path ← orchestrator ← consumer, timer service, API.
        let statistics = RuntimeStatistics()
        let readiness = Readiness()
        let registry = PrometheusCollectorRegistry()
        let metrics = RuntimeMetrics(factory: CatalogMetricsFactory(registry: registry))
        var outboxLeases: OutboxShardLeases?
        if let shared = store as? any SharedWorkflowStore, (store as? PostgresStore)?.ownership == .shared {
            outboxLeases = OutboxShardLeases(store: shared, member: memberName(), logger: logger)
        }
        let producerBreaker = DependencyBreaker(name: "producer", readiness: readiness)
        let relay = OutboxRelay(
            store: store, producer: producer, logger: logger, statistics: statistics, onDelivered: onDelivered, latencyProbe: latencyProbe, sharding: outboxLeases,
            breaker: producerBreaker
        )
        let timerWake = WakeSignal()
        let spanExport = configuration.tracing.otlpEndpoint.map { endpoint in
            let buffer = SpanBuffer()
            let exporter = OTLPHTTPExporter(endpoint: endpoint)
            let encoder = OTLPJSONEncoder(resource: ["service.name": configuration.tracing.serviceName, "service.instance.id": memberName()])
            let reporter = SpanReporter(tracer: BatonTracer(buffer: buffer))
            return (
                reporter: reporter,
                service: SpanExportService(
                    buffer: buffer, reporter: reporter, encoder: encoder, interval: configuration.tracing.interval, metrics: metrics, logger: logger, post: exporter.post
                )
            )
        }
        let commits = CommitPath(
            store: store, cacheBytes: configuration.instanceCacheBytes, statistics: statistics,
            publishesTo: relay, wakesTimers: timerWake, latencyProbe: latencyProbe, metrics: metrics, readiness: readiness, spans: spanExport?.reporter
        )
        let orchestrator = Orchestrator(
            commits: commits,
            configuration: {
                var settings = OrchestratorConfiguration(topics: topics, budget: configuration.kafka.budget, instanceCacheBytes: configuration.instanceCacheBytes)
                settings.limits = configuration.limits
                settings.taskRates = configuration.taskRates
                settings.breakers = configuration.breakers
                return settings
            }(),
            engine: Engine(defaultRetryPolicy: configuration.defaultRetryPolicy, eventWindowMilliseconds: configuration.eventWindowMilliseconds),
            clock: { Timestamp.wallClock },
            makeId: { ids.next() },
            provisionTopics: { try await provisioner.ensure($0) }
        )
        let taskTopics = try await orchestrator.loadDefinitions()
        // Task topics of every stored definition must exist before their requests are published.
        try await provisioner.ensure(taskTopics)
        let inputConsumer = InputConsumer(consumer: consumer, orchestrator: orchestrator, readiness: readiness, logger: logger)
        let timers = TimerService(orchestrator: orchestrator, wake: timerWake, logger: logger)
        let service = WorkflowAPIService(orchestrator: orchestrator, readiness: readiness)
        let definitionWatcher = outboxLeases == nil ? nil : DefinitionWatcher(orchestrator: orchestrator, logger: logger)
        // Both SQL stores keep schedules; the service is idle (one indexed query a second) until one exists.
        let scheduleStore = store as? any ScheduleStore
        let scheduler = scheduleStore.map { ScheduleService(store: $0, workflows: service, metrics: metrics, logger: logger) }
        let retention = RetentionService(store: store, configuration: configuration.retention, metrics: metrics, logger: logger)
        let admission = AdmissionService(orchestrator: orchestrator, logger: logger)
        let triggerTopic = topics.triggers
        let intake = IntakeGovernor(
            orchestrator: orchestrator, limits: configuration.intake, dependencies: [producerBreaker],
            setPaused: { [consumer] paused in paused ? consumer.pause(topics: [triggerTopic]) : consumer.resume(topics: [triggerTopic]) }, logger: logger
        )
        let rateLimiter = DispatchRateLimiter(orchestrator: orchestrator, logger: logger)
        let breakerService = CircuitBreakerService(orchestrator: orchestrator, logger: logger)
        let schedules: [any Service] = (scheduler.map { [$0] } ?? []) + [retention, admission, intake, rateLimiter, breakerService] + (spanExport.map { [$0.service] } ?? [])
        let scheduleAPI = zip2(scheduleStore, scheduler).map { ScheduleAPIService(store: $0, workflows: service, runner: $1) }
        let sampler = MetricsSampler(
            metrics: metrics,
            sources: .init(
                store: store, statistics: statistics, consumerLag: { [consumer] in consumer.lag() },
                poolUse: { [store] in (store as? PostgresStore)?.poolUse }, cacheBytes: { [orchestrator] in orchestrator.instanceCache.bytes },
                isReady: { [readiness] in readiness.notReadyReason == nil }
            ).with(intakePaused: { [intake] in intake.pausedBecause != nil }, breakers: { [orchestrator] in orchestrator.breakers.records }),
            logger: logger
        )
        let exporter = PrometheusExporter(registry: registry, sampler: sampler)
        var api: (any Service)?
        if configuration.api.enabled {
            api = buildAPIApplication(
                service: service, schedules: scheduleAPI, metrics: exporter, logLevels: logLevels, authentication: authentication, audit: store as? any AuditStore, keys: store as? any APIKeyStore, configuration: APIConfiguration(host: configuration.api.host, port: configuration.api.port, maxInputBytes: configuration.kafka.budget.maxInputBytes),
                logger: logger, onServerRunning: { port in apiStarted(port) }
            )
        }
        return BatonApplication(
            configuration: configuration, orchestrator: orchestrator, service: service, readiness: readiness, store: store, producer: producer, consumer: consumer,
            relay: relay, inputConsumer: inputConsumer, timers: timers, outboxLeases: outboxLeases, definitionWatcher: definitionWatcher, exporter: exporter, api: api,
            extraServices: extraServices + schedules, logger: logger
        )
    } catch {
        await store.close()
        throw error
    }
}

/// The store `configuration` names: a PostgreSQL database, shared with any other Baton process
/// pointed at it, or a SQLite file (one process).
func openStore(_ configuration: BatonConfiguration.Store, logger: Logger) async throws(StoreError) -> any WorkflowStore {
    if let postgres = configuration.postgres {
        return try await PostgresStore.open(postgres, ownership: .shared, logger: logger)
    }
    return try await SQLiteStore.open(.init(path: configuration.path, synchronous: configuration.synchronous))
}

/// This process among those sharing a store: host, pid and a random suffix (a restarted process
/// is a new member; its predecessor's leases simply expire).
func memberName() -> String {
    let host = ProcessInfo.processInfo.hostName
    return "\(host)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Both values, when both are there.
private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
