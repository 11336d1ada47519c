import BatonCore
import BatonKafka
import BatonRuntime
import BatonStore
import BatonStorePostgres
import BatonTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The shared relay scans from a settled sequence, not from the oldest row, so it must neither
/// skip nor hold back a row that becomes visible below rows it has already published — what
/// another process's slower commit looks like — and must publish it before the next row of its
/// instance, which can be committed the moment the slow one is.
@Suite("Shared outbox relay on PostgreSQL", .serialized)
struct SharedOutboxRelayTests {
    @Test(.timeLimit(.minutes(1)))
    func aRowCommittedBelowPublishedRowsGoesOutBeforeTheNextRowOfItsInstance() async throws {
        var logger = Logger(label: "shared-relay-tests")
        logger.logLevel = .critical
        let database = try await PostgresTestServer.shared.makeDatabase()
        let store = try await PostgresStore.open(database, ownership: .shared)
        let broker = try EmbeddedBroker(logger: logger)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties),
            logger: logger)
        let leases = OutboxShardLeases(store: store, member: "relay-test", logger: logger)
        let leasing = Task { try await leases.run() }
        let delivered = Mutex<[String]>([])
        let relay = OutboxRelay(
            store: store, producer: producer, logger: logger,
            onDelivered: { rows in delivered.withLock { $0 += rows.map { String(decoding: $0.value, as: UTF8.self) } } },
            sharding: leases)
        let relaying = Task { try await relay.run() }
        func stop() async {
            relaying.cancel()
            _ = await relaying.result
            leasing.cancel()
            _ = await leasing.result
            producer.shutdown()
            broker.shutdown()
            await store.close()
            await PostgresTestServer.shared.dropDatabase(database)
        }
        do {
            try broker.createTopic("relay.late", partitions: 1)
            while leases.current().isEmpty { try await Task.sleep(for: .milliseconds(20)) }

            // The slow transaction draws its sequence first (its id taken before, as the store's
            // commit does) and stays open.
            let slow = try await HeldTransaction.begin(in: database, [
                """
                INSERT INTO outbox (shard, topic, key, value, created_at)
                SELECT \(OutboxShards.shard(forKey: Array("slow-instance".utf8))), 'relay.late', 'slow-instance'::bytea, 'slow 1'::bytea, 0
                WHERE pg_current_xact_id() IS NOT NULL
                """
            ])
            try await store.commit(StoreBatch(outbox: [OutboxMessage(topic: "relay.late", key: Array("fast-instance".utf8), value: Array("fast".utf8))]))
            try await waitFor(timeout: .seconds(10), { delivered.withLock { $0 } == ["fast"] }, context: { ": delivered \(delivered.withLock { $0 })" })
            // Scans go on while the slow row is invisible; give them time to move on.
            try await Task.sleep(for: .milliseconds(300))
            try await slow.commit()
            try await store.commit(StoreBatch(outbox: [OutboxMessage(topic: "relay.late", key: Array("slow-instance".utf8), value: Array("slow 2".utf8))]))

            try await waitFor(timeout: .seconds(10), { delivered.withLock { $0 }.count == 3 }, context: { ": delivered \(delivered.withLock { $0 })" })
            #expect(delivered.withLock { $0 } == ["fast", "slow 1", "slow 2"])
            try await waitFor(timeout: .seconds(10)) { try await store.outboxCount() == 0 }
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    private func waitFor(timeout: Duration, _ condition: () async throws -> Bool, context: () -> String = { "" }) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within \(timeout)\(context())")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
