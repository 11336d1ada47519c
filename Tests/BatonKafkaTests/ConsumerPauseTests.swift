import Synchronization
import Testing

@testable import BatonKafka

/// `pause(topics:)`: a paused topic stops while the others flow, its partitions assigned later
/// start paused, and after `resume(topics:)` it goes on where it stopped (nothing skipped, nothing twice).
@Suite("Pausing a consumer's topics through the embedded broker")
struct ConsumerPauseTests {
    /// Every message the consumer delivers, gathered by one iteration for the whole test.
    final class Received: Sendable {
        let messages = Mutex<[KafkaMessage]>([])
        func of(_ topic: String) -> [Int64] { messages.withLock { $0.filter { $0.topic == topic }.map(\.offset) } }
    }

    func gather(_ consumer: KafkaConsumer) -> (Received, Task<Void, Never>) {
        let received = Received()
        let task = Task {
            for await batch in consumer.batches { received.messages.withLock { $0 += batch } }
        }
        return (received, task)
    }

    func produce(_ producer: KafkaProducer, _ topic: String, _ count: Int) async throws {
        for index in 0..<count { _ = try await producer.send(KafkaRecord(topic: topic, key: nil, value: TestSupport.bytes("\(topic)-\(index)"))) }
    }

    @Test(.timeLimit(.minutes(1)))
    func aPausedTopicStopsWhileTheOthersFlowAndResumesWhereItStopped() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        let (triggers, results) = (TestSupport.unique("triggers"), TestSupport.unique("results"))
        try broker.createTopic(triggers, partitions: 2)
        try broker.createTopic(results, partitions: 1)
        let producer = try KafkaProducer(configuration: TestSupport.configuration(broker.bootstrapServers), logger: TestSupport.logger)
        defer { producer.shutdown() }
        let consumer = try TestSupport.consumer(broker.bootstrapServers, group: TestSupport.unique("g"), topics: [triggers, results])
        defer { consumer.close() }
        let (received, task) = gather(consumer)
        defer { task.cancel() }

        try await produce(producer, triggers, 4)
        try await produce(producer, results, 4)
        #expect(await TestSupport.eventually { received.of(triggers).count == 4 && received.of(results).count == 4 })

        consumer.pause(topics: [triggers])
        #expect(consumer.pausedTopics == [triggers])
        #expect(await TestSupport.eventually { consumer.paused.isApplied }, "the poll thread applies it between polls")
        try await produce(producer, triggers, 6)
        try await produce(producer, results, 3)
        #expect(await TestSupport.eventually { received.of(results).count == 7 })
        try await Task.sleep(for: .milliseconds(700))
        #expect(received.of(triggers).count == 4, "a paused topic delivers nothing")

        consumer.resume(topics: [triggers])
        #expect(await TestSupport.eventually { received.of(triggers).count == 10 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(received.of(triggers).count == 10, "nothing twice")
        #expect(received.of(results) == Array(0..<7))
    }

    @Test(.timeLimit(.minutes(1)))
    func partitionsAssignedWhilePausedStartPaused() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        let (triggers, results) = (TestSupport.unique("triggers"), TestSupport.unique("results"))
        try broker.createTopic(triggers, partitions: 1)
        try broker.createTopic(results, partitions: 1)
        let producer = try KafkaProducer(configuration: TestSupport.configuration(broker.bootstrapServers), logger: TestSupport.logger)
        defer { producer.shutdown() }
        try await produce(producer, triggers, 3)
        try await produce(producer, results, 3)

        let consumer = try TestSupport.consumer(broker.bootstrapServers, group: TestSupport.unique("g"), topics: [triggers, results])
        defer { consumer.close() }
        consumer.pause(topics: [triggers])
        let (received, task) = gather(consumer)
        defer { task.cancel() }
        #expect(await TestSupport.eventually { received.of(results).count == 3 })
        try await Task.sleep(for: .milliseconds(700))
        #expect(received.of(triggers).isEmpty, "the assignment arrived paused")

        consumer.resume(topics: [triggers])
        #expect(await TestSupport.eventually { received.of(triggers).count == 3 })
    }
}
