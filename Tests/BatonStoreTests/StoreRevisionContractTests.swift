import BatonCore
import BatonExpressions
import BatonStore
import Testing

/// Compare-and-set instance writes: the seam that lets several writers share a store. Each test
/// runs once per backend.
@Suite("WorkflowStore contract: instance revisions")
struct StoreRevisionContractTests {
    @Test(arguments: Backend.allCases)
    func aBatchDecidedOnAStaleRevisionIsRefusedAndWritesNothing(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.commit(StoreBatch(instances: [plainInstance("i-1")]))
            let read = try #require(try await store.versionedInstance(id: "i-1"))
            #expect(read.revision == 1)

            // Two writers read revision 1; the first commits and moves it to 2.
            var mine = read.instance
            mine.status = .completed
            var first = StoreBatch(instances: [mine])
            first.decidedFrom = ["i-1": 1]
            try await store.commit(first)
            #expect(try await store.versionedInstance(id: "i-1") == VersionedInstance(instance: mine, revision: 2))

            // The second one's batch (with a new instance, history, outbox and a dedupe mark) is refused whole.
            var theirs = read.instance
            theirs.status = .failed
            theirs.historySequence = 1
            var second = StoreBatch.history(theirs, [event(1, .workflowFailed)])
            second.instances.append(plainInstance("i-2"))
            second.outbox = [OutboxMessage(topic: "lifecycle", key: nil, value: [1])]
            second.dedupe = ["result:t-1/completed": "d"]
            second.timers = [.set(instanceId: "i-1", timerId: "t", fireAt: at(5))]
            second.decidedFrom = ["i-1": 1]
            let error = await storeError { () throws(StoreError) in try await store.commit(second) }
            #expect(error?.code == .stale)
            #expect(error?.isRetryable == false)
            #expect(error?.message == "instance 'i-1' was decided from revision 1 but another writer has committed revision 2; nothing of the batch was written")
            #expect(try await store.versionedInstance(id: "i-1") == VersionedInstance(instance: mine, revision: 2))
            #expect(try await store.instance(id: "i-2") == nil)
            #expect(try await store.history(instanceId: "i-1", afterSequence: 0, limit: 10).isEmpty)
            #expect(try await store.outboxCount() == 0)
            #expect(try await store.dedupeValues(for: ["result:t-1/completed"]).isEmpty)
            #expect(try await store.nextTimerAt() == nil)

            // Decided again from revision 2, it commits.
            second.decidedFrom = ["i-1": 2]
            try await store.commit(second)
            #expect(try await store.versionedInstance(id: "i-1")?.revision == 3)
            #expect(try await store.versionedInstance(id: "i-2")?.revision == 1)
            #expect(try await store.outboxCount() == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func creatingAnInstanceThatExistsOrUpdatingOneThatDoesNotIsStale(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.commit(StoreBatch(instances: [plainInstance("i-1")]))
            // Two writers starting the same instance id: the second finds it created.
            let twin = await storeError { () throws(StoreError) in try await store.commit(StoreBatch(instances: [plainInstance("i-1", status: .paused)])) }
            #expect(twin?.code == .stale)
            #expect(twin?.message == "instance 'i-1' exists already (revision 1): another writer created it; nothing of the batch was written")
            #expect(try await store.instance(id: "i-1")?.status == .running)

            var ghost = StoreBatch(instances: [plainInstance("i-9")])
            ghost.decidedFrom = ["i-9": 4]
            let missing = await storeError { () throws(StoreError) in try await store.commit(ghost) }
            #expect(missing?.code == .stale)
            #expect(missing?.message == "instance 'i-9' was decided from revision 4 but is not stored; nothing of the batch was written")
            #expect(try await store.instance(id: "i-9") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func everyCommitMovesTheRevisionOnByOne(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            var instance = plainInstance("i-1")
            try await store.commit(StoreBatch(instances: [instance]))
            for revision in Int64(1)...5 {
                instance.updatedAt = at(revision)
                var batch = StoreBatch(instances: [instance])
                batch.decidedFrom = ["i-1": revision]
                try await store.commit(batch)
                #expect(try await store.versionedInstance(id: "i-1") == VersionedInstance(instance: instance, revision: revision + 1))
            }
            // A batch that only reads an instance (decidedFrom without the instance) checks nothing.
            var unrelated = StoreBatch(outbox: [OutboxMessage(topic: "t", key: nil, value: [1])])
            unrelated.decidedFrom = ["i-1": 1]
            try await store.commit(unrelated)
            #expect(try await store.outboxCount() == 1)
        }
    }
}
