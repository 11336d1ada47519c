import BatonCore
import BatonKafka
import BatonStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import BatonRuntime

/// A row the producer refuses as such can never leave the outbox. It used to fail its round
/// every time: the relay re-read the store every few seconds and republished the rest of the
/// round with it, for ever (29 dead letters became 458 messages). Now it is parked.
@Suite("Outbox relay parks what can never be sent", .serialized)
struct OutboxParkingTests {
    @Test(.timeLimit(.minutes(1)))
    func aRowTooLargeForTheProducerIsParkedAndNothingElseIsSentTwice() async throws {
        var logger = Logger(label: "parking-tests")
        logger.logLevel = .critical
        let broker = try EmbeddedBroker(logger: logger)
        defer { broker.shutdown() }
        try broker.createTopic("relay.park", partitions: 1)
        try broker.createTopic("relay.other", partitions: 1)
        let properties = EmbeddedBroker.recommendedClientProperties.merging(["message.max.bytes": "10000"]) { $1 }
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: properties), logger: logger)
        defer { producer.shutdown() }

        let store = InMemoryStore()
        _ = try await store.commit(StoreBatch(outbox: [
            OutboxMessage(topic: "relay.park", key: Array("i-1".utf8), value: Array("one".utf8)),
            OutboxMessage(topic: "relay.park", key: Array("i-2".utf8), value: Array(repeating: 0x7A, count: 20_000)),
            OutboxMessage(topic: "relay.other", key: Array("i-1".utf8), value: Array("two".utf8)),
            OutboxMessage(topic: "relay.park", key: Array("i-3".utf8), value: Array("three".utf8)),
        ]))
        let statistics = RuntimeStatistics()
        let relay = OutboxRelay(
            store: store, producer: producer, configuration: .init(maxBackoff: .milliseconds(200)), logger: logger, statistics: statistics,
            clock: { Timestamp(milliseconds: 1_800_000_000_000) }
        )
        let running = Task { try await relay.run() }
        defer { running.cancel() }
        let deadline = ContinuousClock.now + .seconds(20)
        while try await store.outboxCount() > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await store.outboxCount() == 0)
        // Long enough for several retry rounds of the old behaviour (back-off 50–200 ms here).
        try await Task.sleep(for: .seconds(1))

        let parked = try await store.parkedOutbox(afterSequence: 0, limit: 10)
        #expect(parked.map(\.sequence) == [2])
        #expect(parked.first?.reason == "MSG_SIZE_TOO_LARGE")
        #expect(parked.first?.topic == "relay.park")
        #expect(parked.first?.key == Array("i-2".utf8))
        #expect(parked.first?.value.count == 20_000)
        #expect(parked.first?.parkedAt == Timestamp(milliseconds: 1_800_000_000_000))
        #expect(statistics.snapshot.outboxPublished == 3)
        #expect(statistics.snapshot.outboxParked == 1)
        // Each publishable row is on its topic exactly once.
        #expect(try await values(on: "relay.park", atLeast: 2, broker: broker, logger: logger) == ["one", "three"])
        #expect(try await values(on: "relay.other", atLeast: 1, broker: broker, logger: logger) == ["two"])
    }

    /// The topic's values from the start: once `atLeast` arrived, whatever else comes within a second.
    private func values(on topic: String, atLeast count: Int, broker: EmbeddedBroker, logger: Logger) async throws -> [String] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties),
            options: .init(groupId: "parking-reader-\(UUID().uuidString)", topics: [topic], sessionTimeout: .seconds(6), deliversIdleBatches: true), logger: logger
        )
        defer { consumer.close() }
        var values: [String] = []
        var until = ContinuousClock.now + .seconds(20)
        var complete = false
        for await batch in consumer.batches {
            values += batch.map { String(decoding: $0.value, as: UTF8.self) }
            if !complete, values.count >= count {
                complete = true
                until = ContinuousClock.now + .seconds(1)
            }
            if ContinuousClock.now > until { break }
        }
        return values
    }
}
