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

/// The shared relay scans above the highest sequence it has scanned, so a row that becomes
/// visible below that mark — drawn by a transaction that committed after a later one, as another
/// process's slow commit does — is found only by the periodic full scan. Run with the full scan
/// every 300 ms the row is published; with a full scan once an hour it is not, which shows the
/// mark is real and the full scan is what finds such a row.
@Suite("Shared outbox relay on PostgreSQL", .serialized)
struct SharedOutboxRelayTests {
    @Test(.timeLimit(.minutes(1)), arguments: [true, false])
    func aRowCommittedBelowTheScanMarkIsPublishedByTheFullScan(fullScanEvery300ms: Bool) async throws {
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
            store: store, producer: producer,
            configuration: OutboxRelay.Configuration(fullScanInterval: fullScanEvery300ms ? .milliseconds(300) : .seconds(3600)),
            logger: logger,
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

            // The slow transaction draws its sequence first and stays open.
            let slowKey = Array("slow-instance".utf8)
            let slow = try await HeldTransaction.begin(in: database, [
                """
                INSERT INTO outbox (shard, topic, key, value, created_at)
                VALUES (\(OutboxShards.shard(forKey: slowKey)), 'relay.late', 'slow-instance'::bytea, 'slow'::bytea, 0)
                """
            ])
            var batch = StoreBatch()
            batch.outbox = [OutboxMessage(topic: "relay.late", key: Array("fast-instance".utf8), value: Array("fast".utf8))]
            try await store.commit(batch)
            try await waitFor(timeout: .seconds(10)) { delivered.withLock { $0 } == ["fast"] }
            // The relay has scanned past the fast row; now the slow one becomes visible below it.
            try await slow.commit()

            if fullScanEvery300ms {
                try await waitFor(timeout: .seconds(10)) { delivered.withLock { $0 } == ["fast", "slow"] }
                try await waitFor(timeout: .seconds(10)) { try await store.outboxCount() == 0 }
            } else {
                try await Task.sleep(for: .seconds(1.5))
                #expect(delivered.withLock { $0 } == ["fast"], "scans above the mark do not see the row; only a full scan does")
                #expect(try await store.outboxCount() == 1)
            }
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    private func waitFor(timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within \(timeout)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
