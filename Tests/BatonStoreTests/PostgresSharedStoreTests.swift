import BatonCore
import BatonExpressions
import BatonStore
import BatonTestSupport
import Foundation
import Testing

@testable import BatonStorePostgres

/// Several processes on one database (here, several shared stores on one database, each with its
/// own pool): outbox shard leases with fencing, timer claims, and unique keys another writer took
/// first refused as stale.
@Suite("PostgreSQL store shared by several processes")
struct PostgresSharedStoreTests {
    private func withStores<T>(_ count: Int, _ body: ([PostgresStore]) async throws -> T) async throws -> T {
        let database = try await PostgresTestServer.shared.makeDatabase()
        var stores: [PostgresStore] = []
        do {
            for _ in 0..<count { stores.append(try await PostgresStore.open(database, ownership: .shared)) }
            let result = try await body(stores)
            for store in stores { await store.close() }
            await PostgresTestServer.shared.dropDatabase(database)
            return result
        } catch {
            for store in stores { await store.close() }
            await PostgresTestServer.shared.dropDatabase(database)
            throw error
        }
    }

    @Test func shardsAreSpreadOverTheMembersAndNeverHeldTwice() async throws {
        try await withStores(3) { stores in
            let a = try await stores[0].leaseOutboxShards(member: "a", leaseMilliseconds: 60_000)
            #expect(a.leases.count == OutboxShards.count, "alone, a member takes every shard")
            #expect(a.members == 1)
            let b = try await stores[1].leaseOutboxShards(member: "b", leaseMilliseconds: 60_000)
            #expect(b.leases.isEmpty, "nothing is free yet: \(b.leases.count)")
            #expect(b.members == 2)
            let a2 = try await stores[0].leaseOutboxShards(member: "a", leaseMilliseconds: 60_000)
            #expect(a2.leases.count == 32, "a gives back what exceeds its share")
            let b2 = try await stores[1].leaseOutboxShards(member: "b", leaseMilliseconds: 60_000)
            #expect(b2.leases.count == 32)
            #expect(Set(a2.leases.map(\.shard)).isDisjoint(with: b2.leases.map(\.shard)))
            #expect(b2.leases.allSatisfy { $0.epoch == 2 }, "each shard b took changed hands twice: \(b2.leases.map(\.epoch))")

            // A third member: each settles at ceil(64 / 3) = 22 at most, and all 64 stay covered.
            _ = try await stores[2].leaseOutboxShards(member: "c", leaseMilliseconds: 60_000)
            var held: [String: [OutboxLease]] = [:]
            for _ in 0..<2 {
                for (store, member) in zip(stores, ["a", "b", "c"]) {
                    held[member] = try await store.leaseOutboxShards(member: member, leaseMilliseconds: 60_000).leases
                }
            }
            let counts = held.mapValues(\.count)
            print("outbox shards over 3 members: \(counts.sorted { $0.key < $1.key })")
            #expect(counts.values.allSatisfy { $0 <= 22 })
            let all = held.values.flatMap { $0.map(\.shard) }
            #expect(all.count == Set(all).count, "a shard held twice: \(all.sorted())")
            #expect(Set(all) == Set(0..<OutboxShards.count))

            // A clean stop gives the shards back at once.
            try await stores[2].releaseOutboxShards(member: "c")
            let after = try await stores[0].leaseOutboxShards(member: "a", leaseMilliseconds: 60_000)
            #expect(after.members == 2)
            #expect(after.leases.count == 32)
        }
    }

    /// The fencing token at work: a member paused past its lease finds its shard taken, and its
    /// late removal of rows it published touches nothing; the new holder publishes them.
    @Test func aHolderPastItsLeaseIsFencedOut() async throws {
        try await withStores(2) { stores in
            let (old, new) = (stores[0], stores[1])
            var batch = StoreBatch(instances: [plainInstance("i")])
            batch.outbox = [OutboxMessage(topic: "lifecycle", key: Array("i".utf8), value: [1]), OutboxMessage(topic: "lifecycle", key: Array("i".utf8), value: [2])]
            try await old.commit(batch)
            let shard = OutboxShards.shard(forKey: Array("i".utf8))

            let first = try await old.leaseOutboxShards(member: "old", leaseMilliseconds: 300)
            let oldLeases = first.leases.filter { $0.shard == shard }
            #expect(oldLeases.count == 1)
            let published = try await old.pendingOutbox(leases: oldLeases, after: 0, excluding: [], limit: 10)
            #expect(published.map(\.value) == [[1], [2]])
            #expect(try await old.pendingOutbox(leases: oldLeases, after: 0, excluding: [published[0].sequence], limit: 10).map(\.value) == [[2]])
            #expect(try await old.pendingOutbox(leases: oldLeases, after: published[0].sequence, excluding: [], limit: 10).map(\.value) == [[2]])
            #expect(try await old.pendingOutbox(leases: oldLeases, after: published[1].sequence, excluding: [], limit: 10).isEmpty)
            // A row the caller holds is not read back: its copy comes back in the row's place.
            var held = published[0]
            held.value = [9]
            #expect(try await old.scanOutbox(leases: oldLeases, after: 0, excluding: [], known: [held.sequence: held], limit: 10).rows.map(\.value) == [[9], [2]])

            try await Task.sleep(for: .milliseconds(400))
            let taken = try await new.leaseOutboxShards(member: "new", leaseMilliseconds: 60_000)
            let newLease = try #require(taken.leases.first { $0.shard == shard })
            #expect(newLease.epoch == oldLeases[0].epoch + 1)

            let removedByOld = try await old.markOutboxSent(published.map(\.sequence), member: "old", leases: oldLeases)
            #expect(removedByOld == 0, "the old holder's epoch no longer matches")
            let republished = try await new.pendingOutbox(leases: [newLease], after: 0, excluding: [], limit: 10)
            #expect(republished.map(\.value) == [[1], [2]], "the new holder sends them, in order")
            #expect(try await new.markOutboxSent(republished.map(\.sequence), member: "new", leases: [newLease]) == 2)
            #expect(try await new.outboxCount() == 0)
        }
    }

    /// A read's horizon passes only once every transaction running at that read has ended: the
    /// relay's scans rely on it to skip past sequences (see `OutboxHorizon`).
    @Test func aReadsHorizonPassesOnceTheTransactionsRunningAtItHaveEnded() async throws {
        let database = try await PostgresTestServer.shared.makeDatabase()
        let store = try await PostgresStore.open(database, ownership: .shared)
        let slow = try await HeldTransaction.begin(in: database, [
            "INSERT INTO outbox (shard, topic, key, value, created_at) SELECT 0, 't', NULL, 'v'::bytea, 0 WHERE pg_current_xact_id() IS NOT NULL"
        ])
        let leases = [OutboxLease(shard: 0, epoch: 0)]
        let first = try await store.scanOutbox(leases: leases, after: 0, excluding: [], known: [:], limit: 10)
        #expect(first.rows.isEmpty, "the slow transaction's row is not visible yet")
        #expect(first.horizon.lastSequence == 1, "its sequence is drawn (the first)")
        let second = try await store.scanOutbox(leases: leases, after: 0, excluding: [], known: [:], limit: 10)
        #expect(second.horizon.oldestRunning < first.horizon.nextTransaction, "the slow transaction still runs")
        try await slow.commit()
        // Transaction ids are the cluster's: other tests' transactions may hold the horizon back
        // for a moment, never for good.
        var third = try await store.scanOutbox(leases: leases, after: 0, excluding: [], known: [:], limit: 10)
        let deadline = ContinuousClock.now + .seconds(10)
        while third.horizon.oldestRunning < first.horizon.nextTransaction, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            third = try await store.scanOutbox(leases: leases, after: 0, excluding: [], known: [:], limit: 10)
        }
        #expect(third.horizon.oldestRunning >= first.horizon.nextTransaction)
        #expect(third.rows.map(\.value) == [Array("v".utf8)])
        await store.close()
        await PostgresTestServer.shared.dropDatabase(database)
    }

    @Test func eachDueTimerIsClaimedByOneProcess() async throws {
        try await withStores(2) { stores in
            var batch = StoreBatch()
            for i in 0..<200 {
                batch.instances.append(plainInstance("i\(i)"))
                batch.timers.append(.set(instanceId: "i\(i)", timerId: "t", fireAt: Timestamp(milliseconds: 1_000 + Int64(i))))
            }
            try await stores[0].commit(batch)
            let claims = try await withThrowingTaskGroup(of: [DueTimer].self) { group in
                for store in stores {
                    group.addTask {
                        var mine: [DueTimer] = []
                        while true {
                            let due = try await store.dueTimers(until: Timestamp(milliseconds: 10_000), limit: 7)
                            if due.isEmpty { return mine }
                            mine += due
                        }
                    }
                }
                return try await group.reduce(into: [[DueTimer]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }.map(\.instanceId)
            print("timers claimed per process: \(claims.map(\.count))")
            #expect(all.count == 200, "each timer claimed once: \(all.count)")
            #expect(Set(all).count == 200)
            #expect(try await stores[0].nextTimerAt() == nil, "claimed timers are their claimant's to fire")
            // A timer set again (re-armed by a commit) is free to claim again.
            var rearm = StoreBatch()
            rearm.timers = [.set(instanceId: "i0", timerId: "t", fireAt: Timestamp(milliseconds: 5_000))]
            try await stores[1].commit(rearm)
            #expect(try await stores[0].dueTimers(until: Timestamp(milliseconds: 10_000), limit: 10).map(\.instanceId) == ["i0"])
        }
    }

    /// Two processes take the same trigger, or start the same business key, at once: the second
    /// commit is refused as stale (decided again, it finds the first), not as a fatal conflict.
    @Test func aUniqueKeyAnotherWriterTookFirstIsStale() async throws {
        try await withStores(2) { stores in
            var first = StoreBatch(instances: [plainInstance("a")])
            first.dedupe = ["trigger:kafka/1": "a"]
            try await stores[0].commit(first)
            var twin = StoreBatch(instances: [plainInstance("b")])
            twin.dedupe = ["trigger:kafka/1": "b"]
            let error = await storeError { () throws(StoreError) in try await stores[1].commit(twin) }
            #expect(error?.code == .stale)
            #expect(error?.isRetryable == true)
            #expect(try await stores[1].instance(id: "b") == nil)

            var keyed = plainInstance("k1")
            keyed.businessKey = "order-7"
            try await stores[0].commit(StoreBatch(instances: [keyed]))
            var keyedTwin = plainInstance("k2")
            keyedTwin.businessKey = "order-7"
            let twinError = await storeError { () throws(StoreError) in try await stores[1].commit(StoreBatch(instances: [keyedTwin])) }
            #expect(twinError?.code == .stale, "\(String(describing: twinError))")
            // Once the first has ended, the key is free again.
            var ended = keyed
            ended.status = .completed
            var end = StoreBatch(instances: [ended])
            end.decidedFrom = ["k1": 1]
            try await stores[0].commit(end)
            try await stores[1].commit(StoreBatch(instances: [keyedTwin]))
        }
    }
}
