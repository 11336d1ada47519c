import BatonKafka
import BatonRuntime
import BatonServer
import BatonStore
import Foundation
import Logging
import Testing

extension EndToEnd {
    /// A stopped application must free what it holds. A librdkafka handle that is never destroyed
    /// keeps its threads and keeps reconnecting to its broker for the life of the process (in the
    /// test process: for every later test); a reference cycle between the services once did that.
    @Suite("Application lifetime")
    struct ApplicationLifetimeTests {
        @Test func aStoppedApplicationFreesItsServicesAndKafkaClients() async throws {
            var logger = Logger(label: "lifetime")
            logger.logLevel = .critical
            let broker = try EmbeddedBroker(brokerCount: 1, stablePort: nil, logger: logger)
            defer { broker.shutdown() }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-lifetime-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var configuration = BatonConfiguration(
                kafka: .init(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties, partitions: 1),
                store: .init(path: folder.appendingPathComponent("baton.sqlite").path), api: .init(enabled: false)
            )
            configuration.kafka.createTopics = true

            weak var producer: KafkaProducer?
            weak var consumer: KafkaConsumer?
            weak var orchestrator: Orchestrator?
            weak var relay: OutboxRelay?
            do {
                let app = try await buildApplication(configuration, provisioner: EmbeddedTopicProvisioner(broker: broker, partitions: 1), logger: logger)
                producer = app.producer
                consumer = app.consumer
                orchestrator = app.orchestrator
                relay = app.relay
                let runner = Task { try await app.run(signals: []) }
                try await Task.sleep(for: .milliseconds(300))
                runner.cancel()
                _ = try? await runner.value
                await app.store.close()
            }
            #expect(orchestrator == nil, "the orchestrator outlived its application")
            #expect(relay == nil, "the outbox relay outlived its application")
            #expect(producer == nil, "the producer (and its librdkafka handle) outlived its application")
            #expect(consumer == nil, "the consumer (and its librdkafka handle) outlived its application")
        }
    }
}
