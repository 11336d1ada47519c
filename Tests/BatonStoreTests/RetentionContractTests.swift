import BatonCore
import BatonExpressions
import BatonStore
import Testing

/// Retention on every backend: which instances a purge removes (finished, older than their
/// workflow's cutoff or the default, oldest first, at most `limit`), that their rows go with them
/// and running instances keep theirs, and dedupe marks by age.
@Suite("Retention contract")
struct RetentionContractTests {
    @Test(arguments: Backend.allCases)
    func finishedInstancesGoOldestFirstUnderTheirCutoffsWithTheirRows(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let instances = [
                plainInstance("a", workflow: "orders", status: .completed, createdAt: at(10)),
                plainInstance("b", workflow: "orders", status: .failed, createdAt: at(20)),
                plainInstance("c", workflow: "orders", status: .running, createdAt: at(5)),
                plainInstance("d", workflow: "refunds", status: .completed, createdAt: at(10)),
                plainInstance("e", workflow: "audit", status: .cancelled, createdAt: at(1)),
                plainInstance("f", workflow: "orders", status: .timedOut, createdAt: at(12)),
            ]
            var batch = StoreBatch(instances: instances)
            batch.history = ["a", "c", "f"].flatMap { id in
                [InstanceHistoryEvent(instanceId: id, event: event(1, .workflowStarted)), InstanceHistoryEvent(instanceId: id, event: event(2, .variablesSet))]
            }
            batch.dedupe = ["idempotency:orders\u{1F}k1": "a", "trigger:shop/1": "b,c"]
            try await store.commitAsSoleWriter(batch)

            // Default cutoff 15 with a limit of 1: the oldest finished one, a (10), not f (12).
            let request = PurgeRequest(finishedBefore: at(15), workflowCutoffs: ["refunds": at(5), "audit": nil], dedupeBefore: at(0), limit: 1)
            #expect(try await store.purge(request) == PurgeResult(instances: 1, dedupeMarks: 0))
            #expect(try await store.instance(id: "a") == nil)
            #expect(try await store.history(instanceId: "a", afterSequence: 0, limit: 10).isEmpty)
            #expect(try await store.instance(id: "f") != nil)
            // Again, with room: f goes; b is too new, d is under refunds' older cutoff, e's workflow is kept for ever, c runs.
            var more = request
            more.limit = 10
            #expect(try await store.purge(more) == PurgeResult(instances: 1, dedupeMarks: 0))
            #expect(try await store.instances(InstanceQuery()).instances.map(\.id).sorted() == ["b", "c", "d", "e"])
            #expect(try await store.history(instanceId: "c", afterSequence: 0, limit: 10).map(\.sequence) == [1, 2])
            #expect(try await store.purge(more) == PurgeResult())

            // Marks older than the window go, at most `limit` a call; instances are untouched.
            let marks = PurgeRequest(finishedBefore: nil, dedupeBefore: Timestamp(milliseconds: Timestamp.wallClock.milliseconds + 60_000), limit: 1)
            #expect(try await store.purge(marks) == PurgeResult(instances: 0, dedupeMarks: 1))
            #expect(try await store.purge(marks) == PurgeResult(instances: 0, dedupeMarks: 1))
            #expect(try await store.dedupeValues(for: ["idempotency:orders\u{1F}k1", "trigger:shop/1"]).isEmpty)
            #expect(try await store.instances(InstanceQuery()).instances.count == 4)
        }
    }
}
