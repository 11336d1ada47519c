import BatonKafka
import BatonStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import BatonRuntime

/// The relay's ordering rule against a real Kafka-protocol peer whose answers are slowed down:
/// rounds for different instances overlap; a round for an instance with a round in flight waits.
@Suite("Outbox relay rounds", .serialized)
struct OutboxRelayTests {
    /// Every response of the broker takes this long, so overlapping rounds are told apart from
    /// rounds sent one after the other by a whole round trip. 600 ms left too little room on a
    /// loaded CI machine (an overlapping round's gap was measured at 455 ms against a 300 ms bound).
    static let roundTrip = 1500

    /// Judged by when the relay *started* the second round, not by delivery times: librdkafka and
    /// the mock broker may serialise two produce requests for one partition on a loaded machine
    /// (a delivery gap of 1.47 s was seen for rounds that did overlap), which says nothing about
    /// the relay's rule.
    @Test(.timeLimit(.minutes(1)))
    func roundsForOtherInstancesDoNotWaitForARoundInFlight() async throws {
        let run = try await publish(first: "instance-a", second: "instance-b")
        #expect(run.deliveries.map(\.key).sorted() == ["instance-a", "instance-b"])
        let secondStarted = try #require(run.secondRoundStartedAt)
        #expect(secondStarted < run.deliveries[0].at, "the second round started \(secondStarted - run.deliveries[0].at) after the first was delivered")
    }

    @Test(.timeLimit(.minutes(1)))
    func aRoundForAnInstanceWithARoundInFlightWaitsForIt() async throws {
        let run = try await publish(first: "instance-a", second: "instance-a")
        #expect(run.deliveries.map(\.key) == ["instance-a", "instance-a"])
        #expect(run.deliveries.map(\.value) == ["first", "second"])
        let secondStarted = try #require(run.secondRoundStartedAt)
        #expect(secondStarted >= run.deliveries[0].at, "the second round started \(run.deliveries[0].at - secondStarted) before the first was delivered")
        #expect(run.deliveries[1].at - run.deliveries[0].at >= .milliseconds(Self.roundTrip - 50))
    }

    struct Delivery: Sendable {
        var key: String
        var value: String
        var at: ContinuousClock.Instant
    }

    /// Hands the relay one row keyed `first`, then (while its round is in flight) one keyed
    /// `second`, and returns both deliveries in the order their reports arrived.
    private func publish(first: String, second: String) async throws -> (deliveries: [Delivery], secondRoundStartedAt: ContinuousClock.Instant?) {
        var logger = Logger(label: "relay-tests")
        logger.logLevel = .critical
        let broker = try EmbeddedBroker(logger: logger)
        defer { broker.shutdown() }
        try broker.createTopic("relay.rounds", partitions: 1)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties),
            logger: logger
        )
        defer { producer.shutdown() }
        // Connected and warmed up before the delay applies.
        _ = try await producer.send(KafkaRecord(topic: "relay.rounds", key: nil, value: Array("warm-up".utf8)))
        try broker.setRoundTripTime(broker: 1, milliseconds: Self.roundTrip)

        let delivered = Mutex<[Delivery]>([])
        let relay = OutboxRelay(
            store: InMemoryStore(), producer: producer, logger: logger,
            onDelivered: { rows in
                let now = ContinuousClock.now
                delivered.withLock { d in
                    for row in rows {
                        d.append(Delivery(key: String(decoding: row.key ?? [], as: UTF8.self), value: String(decoding: row.value, as: UTF8.self), at: now))
                    }
                }
            }
        )
        let running = Task { try await relay.run() }
        defer { running.cancel() }
        // Past the start-up scan of the (empty) store.
        try await Task.sleep(for: .milliseconds(100))
        relay.enqueue([OutboxMessage(sequence: 1, topic: "relay.rounds", key: Array(first.utf8), value: Array("first".utf8))])
        // The second row must arrive while the first one's round is in flight: on a loaded machine
        // a fixed 100 ms was sometimes too short, both rows went out in one round, and the test
        // measured a gap of 0 (seen twice). Wait for the round to start instead.
        let started = ContinuousClock.now + .seconds(10)
        while relay.roundsStarted < 1, ContinuousClock.now < started { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        relay.enqueue([OutboxMessage(sequence: 2, topic: "relay.rounds", key: Array(second.utf8), value: Array("second".utf8))])
        let deadline = ContinuousClock.now + .seconds(20)
        var secondRoundStartedAt: ContinuousClock.Instant?
        while delivered.withLock({ $0.count }) < 2, ContinuousClock.now < deadline {
            if secondRoundStartedAt == nil, relay.roundsStarted >= 2 { secondRoundStartedAt = ContinuousClock.now }
            try await Task.sleep(for: .milliseconds(2))
        }
        return (delivered.withLock { $0 }, secondRoundStartedAt)
    }
}
