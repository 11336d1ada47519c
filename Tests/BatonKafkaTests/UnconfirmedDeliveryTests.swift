import CRDKafka
import Testing

@testable import BatonKafka

/// A delivery report without an offset is not proof of a write. librdkafka 2.0.2's mock cluster
/// does not check idempotent producer sequences: when a produce request fails retriably while a
/// later one to the same partition is in flight, the later batch is appended, and librdkafka
/// (trusting that a real broker would have refused a batch whose sequence skips one) reports the
/// earlier record delivered — with no offset, and no record on the topic.
@Suite("Unconfirmed deliveries")
struct UnconfirmedDeliveryTests {
    @Test(.timeLimit(.minutes(1)))
    func aRecordReportedWithoutAnOffsetFailsRetriablyAndIsNotOnTheTopic() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        let topic = TestSupport.unique("gap")
        try broker.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: TestSupport.configuration(broker.bootstrapServers), logger: TestSupport.logger)
        defer { producer.shutdown() }
        // Connection and producer id first, so the next two records go out as two requests.
        _ = try await producer.send(KafkaRecord(topic: topic, key: nil, value: TestSupport.bytes("warm-up")))

        // The first request fails (not appended), the second succeeds; both answers come late, so
        // the second is sent while the first is still unanswered. The margins are wide because a
        // loaded CI machine once started the first send late enough for both records to share
        // one request (then there is no gap to observe).
        try broker.pushBrokerRequestErrors(
            broker: 1, apiKey: KafkaAPIKey.produce,
            responses: [(Int32(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue), 2000), (0, 2000)]
        )
        async let first = producer.send([KafkaRecord(topic: topic, key: nil, value: TestSupport.bytes("first"))])
        try await Task.sleep(for: .milliseconds(600))
        async let second = producer.send([KafkaRecord(topic: topic, key: nil, value: TestSupport.bytes("second"))])
        let results = await (first[0], second[0])

        let consumer = try TestSupport.consumer(broker.bootstrapServers, group: TestSupport.unique("g"), topics: [topic])
        defer { consumer.close() }
        let onTopic = try await TestSupport.collect(consumer, count: 2, within: .seconds(10))
        let values = onTopic.map { String(decoding: $0.value, as: UTF8.self) }

        // What the mock did: the second record was appended, the first was not.
        #expect(values == ["warm-up", "second"])
        // What the producer says: never "delivered" for a record that is not there.
        guard case .failure(let error) = results.0 else {
            Issue.record("the first record was reported delivered, at \(results.0), but the topic holds \(values)")
            return
        }
        #expect(error.code == .deliveryUnconfirmed)
        #expect(error.isRetriable)
        let report = try results.1.get()
        #expect(report.offset == 1)

        // What a client does about it: send it again until it is confirmed.
        let undelivered = await producer.sendUntilSettled([KafkaRecord(topic: topic, key: nil, value: TestSupport.bytes("first"))])
        #expect(undelivered.isEmpty)
        let resent = try await TestSupport.collect(consumer, count: 1, within: .seconds(10))
        #expect(resent.map { String(decoding: $0.value, as: UTF8.self) } == ["first"])
        #expect(resent.first?.offset == 2)
    }
}
