import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import Synchronization
import Testing

/// The orchestrator decides batch N+1 while batch N is still being committed. These tests hold
/// commits at a gate to pin down what may and may not be written when a commit fails.
@Suite("Commit pipeline")
struct CommitPipelineTests {
    static let definition = """
        id: two
        triggers:
          - type: go
        steps:
          - id: a
            type: task
            taskType: t
            next: b
          - id: b
            type: task
            taskType: t
        """

    let store = GatedStore()
    let orchestrator: Orchestrator
    let topics = TopicNames()

    init() async throws {
        let counter = Mutex(0)
        orchestrator = Orchestrator(
            store: store, clock: { Timestamp(milliseconds: 1_800_000_000_000) },
            makeId: { "inst-\(counter.withLock { $0 += 1; return $0 })" }
        )
        _ = try await orchestrator.registerDefinition(text: Self.definition)
    }

    func trigger(_ id: String, offset: Int64) -> InboundMessage {
        let wire = CloudEventCodec.encodeStructured(CloudEvent(id: id, source: "test", type: "go", data: ["n": 1]), topic: topics.triggers, key: nil)
        return InboundMessage(topic: topics.triggers, partition: 0, offset: offset, key: nil, value: wire.value, headers: wire.headers)
    }

    func result(instance: String, task: Int, step: String, offset: Int64) -> InboundMessage {
        let wire = TaskResultCodec.encode(
            TaskResult(taskId: "\(instance).\(task)", instanceId: instance, stepId: step, attempt: 1, status: .completed, output: ["ok": true]),
            topics: topics
        )
        return InboundMessage(topic: topics.taskResults, partition: 1, offset: offset, key: wire.key, value: wire.value, headers: wire.headers)
    }

    func waitUntilHeld(_ count: Int) async throws {
        for _ in 0..<2000 where store.waitingCount < count { try await Task.sleep(for: .milliseconds(1)) }
        #expect(store.waitingCount == count)
    }

    @Test func theNextBatchIsDecidedOnTheUncommittedOneAndCommitsAfterIt() async throws {
        store.hold()
        let first = try await orchestrator.submit([trigger("e1", offset: 0)])
        try await waitUntilHeld(1)
        // Decided while the first is held: it sees the started instance.
        let second = try await orchestrator.submit([result(instance: "inst-1", task: 1, step: "a", offset: 0)])
        #expect(second.report.applied == 1)
        // Readers see only committed state.
        await #expect(throws: ServiceError.self) { _ = try await orchestrator.api.instance(id: "inst-1") }

        store.release(.proceed)
        try await first.wait()
        try await second.wait()
        let instance = try await orchestrator.api.instance(id: "inst-1")
        #expect(instance.stateDocument["steps"]?["a"]?["status"] == "COMPLETED")
        #expect(instance.stateDocument["steps"]?["b"]?["status"] == "SCHEDULED")
        #expect(store.commitCount == 2)
    }

    @Test func aFailedCommitFailsTheBatchDecidedOnItAndNothingOfEitherIsWritten() async throws {
        store.hold()
        let first = try await orchestrator.submit([trigger("e1", offset: 0)])
        try await waitUntilHeld(1)
        let second = try await orchestrator.submit([result(instance: "inst-1", task: 1, step: "a", offset: 0)])
        #expect(second.report.applied == 1)

        store.release(.fail)
        await #expect(throws: StoreError.self) { try await first.wait() }
        let error = await second.result
        guard case .failure(let stale) = error else {
            Issue.record("the batch decided on a failed commit must not commit")
            return
        }
        #expect(stale.isRetryable)
        #expect(store.commitCount == 0)
        #expect(try await store.instance(id: "inst-1") == nil)
        #expect(try await store.outboxCount() == 0)

        // Decided again from the store, the result is now for an unknown instance and the trigger
        // starts a fresh one: exactly what a redelivery after the failure would do.
        let retried = try await orchestrator.process([trigger("e1", offset: 0)])
        #expect(retried.started == 1)
        let instance = try await orchestrator.api.instance(id: "inst-2")
        #expect(instance.stateDocument["steps"]?["a"]?["status"] == "SCHEDULED")
    }

    @Test func aBatchThatRequiresAFailedOneIsNotCommittedEvenWhenDecidedAfterTheFailure() async throws {
        store.hold()
        let first = try await orchestrator.submit([trigger("e1", offset: 0)])
        try await waitUntilHeld(1)
        store.release(.fail)
        await #expect(throws: StoreError.self) { try await first.wait() }
        // A new generation: on its own this batch would commit; as the consumer's next batch it
        // must not, or its offsets would pass the failed one's.
        let next = try await orchestrator.submit([trigger("e2", offset: 1)], requires: first)
        guard case .failure = await next.result else {
            Issue.record("a batch must not commit when the batch it requires failed")
            return
        }
        #expect(store.commitCount == 0)
        let independent = try await orchestrator.process([trigger("e2", offset: 1)])
        #expect(independent.started == 1)
        #expect(store.commitCount == 1)
    }

    @Test func afterCommitRunsInCommitOrderOnlyForCommittedBatches() async throws {
        let order = Mutex<[String]>([])
        store.hold()
        let first = try await orchestrator.submit([trigger("e1", offset: 0)]) { order.withLock { $0.append("first") } }
        try await waitUntilHeld(1)
        let second = try await orchestrator.submit([trigger("e2", offset: 1)], requires: first) { order.withLock { $0.append("second") } }
        #expect(order.withLock { $0 }.isEmpty)
        store.release(.proceed)
        try await first.wait()
        try await second.wait()
        #expect(order.withLock { $0 } == ["first", "second"])
    }
}
