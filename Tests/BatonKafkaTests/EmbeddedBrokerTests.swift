import Foundation
import Testing

@testable import BatonKafka

@Suite("Embedded broker")
struct EmbeddedBrokerTests {
    @Test(.timeLimit(.minutes(1)))
    func clientBootstrapsThroughTheStablePort() async throws {
        let port = try TestSupport.freePort()
        let broker = try EmbeddedBroker(stablePort: port, logger: TestSupport.logger)
        defer { broker.shutdown() }
        #expect(broker.stableBootstrapServers == "127.0.0.1:\(port)")
        #expect(broker.bootstrapServers != broker.stableBootstrapServers)

        let topic = TestSupport.unique("stable")
        try broker.createTopic(topic, partitions: 2)
        let stable = try #require(broker.stableBootstrapServers)
        let topics = try KafkaAdmin.listTopics(configuration: TestSupport.configuration(stable), timeout: .seconds(10))
        #expect(topics[topic] == 2)

        let producer = try KafkaProducer(configuration: TestSupport.configuration(stable), logger: TestSupport.logger)
        defer { producer.shutdown() }
        let report = try await producer.send(KafkaRecord(topic: topic, key: TestSupport.bytes("k"), value: TestSupport.bytes("via stable port")))
        #expect(report.offset == 0)

        let consumer = try TestSupport.consumer(stable, group: TestSupport.unique("g"), topics: [topic])
        defer { consumer.close() }
        let messages = try await TestSupport.collect(consumer, count: 1)
        #expect(messages.map(\.value) == [TestSupport.bytes("via stable port")])
    }

    @Test(.timeLimit(.minutes(1)))
    func busyStablePortIsSkippedAndTheBrokerStillWorks() throws {
        let port = try TestSupport.freePort()
        let first = try EmbeddedBroker(stablePort: port, logger: TestSupport.logger)
        defer { first.shutdown() }
        #expect(first.stableBootstrapServers != nil)

        let second = try EmbeddedBroker(stablePort: port, logger: TestSupport.logger)
        defer { second.shutdown() }
        #expect(second.stableBootstrapServers == nil)
        try second.createTopic(TestSupport.unique("t"), partitions: 1)

        let none = try EmbeddedBroker(stablePort: 0, logger: TestSupport.logger)
        #expect(none.stableBootstrapServers == nil)
        none.shutdown()
        none.shutdown()
        #expect(throws: KafkaError.self) { try none.createTopic("after-shutdown", partitions: 1) }
    }

    @Test(.timeLimit(.minutes(1)))
    func slowAcknowledgementDelaysTheDeliveryReport() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        let topic = TestSupport.unique("slow")
        try broker.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: TestSupport.configuration(broker.bootstrapServers), logger: TestSupport.logger)
        defer { producer.shutdown() }
        // Connect and warm up first, so only the injected delay is measured.
        _ = try await producer.send(KafkaRecord(topic: topic, key: nil, value: [0]))

        try broker.pushBrokerRequestErrors(broker: 1, apiKey: KafkaAPIKey.produce, responses: [(error: 0, roundTripTimeMilliseconds: 400)])
        let start = ContinuousClock.now
        let report = try await producer.send(KafkaRecord(topic: topic, key: nil, value: [1]))
        #expect(ContinuousClock.now - start >= .milliseconds(350))
        #expect(report.offset == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func unreachableBrokerFailsDeliveryWithARetriableError() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        let topic = TestSupport.unique("down")
        try broker.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(
            configuration: TestSupport.configuration(
                broker.bootstrapServers,
                // Fail fast while the broker is down, and reconnect fast once it is back.
                properties: ["message.timeout.ms": "1500", "reconnect.backoff.ms": "20", "reconnect.backoff.max.ms": "100"]
            ),
            logger: TestSupport.logger
        )
        defer { producer.shutdown(flushTimeout: .zero) }
        _ = try await producer.send(KafkaRecord(topic: topic, key: nil, value: [0]))

        broker.setUnreachable(true)
        let results = await producer.send([KafkaRecord(topic: topic, key: nil, value: [1]), KafkaRecord(topic: topic, key: nil, value: [2])])
        for result in results {
            guard case .failure(let error) = result else {
                Issue.record("expected a delivery failure, got \(result)")
                continue
            }
            #expect(error.code == .messageTimedOut)
            #expect(error.isRetriable)
            #expect(error.context == "producing to \(topic)")
        }

        broker.setUnreachable(false)
        var recovered: DeliveryReport?
        for _ in 0..<5 where recovered == nil {
            recovered = try? await producer.send(KafkaRecord(topic: topic, key: nil, value: [3]))
        }
        #expect(recovered?.topic == topic)
    }
}
