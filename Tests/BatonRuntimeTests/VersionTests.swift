import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import Synchronization
import Testing

/// Definition versions: an instance keeps the version it started on, whatever is registered
/// after; a start may pin a version; the versions listing counts instances per version.
@Suite("Definition versions")
struct VersionTests {
    static let v1 = """
        id: shipping
        steps:
          - {id: pack, type: task, taskType: ship.pack, next: label}
          - {id: label, type: task, taskType: ship.label}
        output: {version: 1, label: "${ $.steps.label.output }"}
        """
    static let v2 = """
        id: shipping
        steps:
          - {id: pack, type: task, taskType: ship.pack, next: courier}
          - {id: courier, type: task, taskType: ship.courier}
        output: {version: 2}
        """

    let topics = TopicNames()

    func orchestrator(_ store: InMemoryStore) -> Orchestrator {
        let counter = Mutex(0)
        return Orchestrator(store: store, clock: { Timestamp(milliseconds: 1_800_000_000_000) }, makeId: { "inst-\(counter.withLock { $0 += 1; return $0 })" })
    }

    /// Completes the instance's one running task with `output`.
    func complete(_ o: Orchestrator, _ id: String, output: JSONValue) async throws -> TaskDispatch? {
        let instance = try await o.api.instance(id: id)
        let task = try #require(instance.activeTasks.values.first)
        let result = TaskResult(taskId: task.taskId, instanceId: id, stepId: task.stepId, executionId: task.executionId, attempt: task.attempt, status: .completed, output: output)
        let wire = TaskResultCodec.encode(result, topics: topics)
        _ = try await o.process([InboundMessage(topic: topics.taskResults, partition: 0, offset: 1, key: wire.key, value: wire.value, headers: [])])
        return try await o.api.instance(id: id).activeTasks.values.first.map {
            TaskDispatch(taskId: $0.taskId, instanceId: id, workflowId: "shipping", workflowVersion: 0, stepId: $0.stepId, taskType: "", attempt: $0.attempt, input: .null, scheduledAt: $0.scheduledAt)
        }
    }

    @Test func anInstanceStartedOnV1FinishesOnV1AfterV2IsRegistered() async throws {
        let store = InMemoryStore()
        let o = orchestrator(store)
        _ = try await o.registerDefinition(text: Self.v1)
        let old = try await o.startInstance(workflowId: "shipping", version: nil, input: [:], idempotencyKey: nil).instance
        #expect(old.workflowVersion == 1)
        _ = try await o.registerDefinition(text: Self.v2)
        let next = try await complete(o, old.id, output: "packed")
        #expect(next?.stepId == "label")  // v1's second step, not v2's `courier`
        _ = try await complete(o, old.id, output: "L-1")
        let done = try await o.api.instance(id: old.id)
        #expect(done.status == .completed)
        #expect(done.workflowVersion == 1)
        #expect(done.output == ["version": 1, "label": "L-1"])

        // A new start takes the latest; a pinned one the version asked for.
        let latest = try await o.startInstance(workflowId: "shipping", version: nil, input: [:], idempotencyKey: nil).instance
        let pinned = try await o.startInstance(workflowId: "shipping", version: 1, input: [:], idempotencyKey: nil).instance
        #expect(latest.workflowVersion == 2)
        #expect(pinned.workflowVersion == 1)
        let counts = try await o.api.instanceCounts(workflowId: "shipping")
        #expect(counts == [
            InstanceCount(version: 1, status: .completed, count: 1), InstanceCount(version: 1, status: .running, count: 1),
            InstanceCount(version: 2, status: .running, count: 1),
        ])
    }

    @Test func aTriggerEventMayPinTheVersionItStarts() async throws {
        let store = InMemoryStore()
        let o = orchestrator(store)
        for output in [1, 2] {
            _ = try await o.registerDefinition(text: "id: pinned\ntriggers: [{type: order.placed}]\nsteps: [{id: done, type: succeed, output: {v: \(output)}}]")
        }
        func event(_ id: String, _ extensions: [String: JSONValue]) -> InboundMessage {
            let wire = CloudEventCodec.encodeStructured(CloudEvent(id: id, source: "shop", type: "order.placed", data: [:], extensions: extensions), topic: topics.triggers, key: nil)
            return InboundMessage(topic: topics.triggers, partition: 0, offset: 1, key: nil, value: wire.value, headers: wire.headers)
        }
        _ = try await o.process([event("e-1", [:]), event("e-2", [Orchestrator.versionExtension: 1]), event("e-3", [Orchestrator.versionExtension: "9"])])
        #expect(try await o.api.instance(id: "inst-1").output == ["v": 2])
        #expect(try await o.api.instance(id: "inst-2").output == ["v": 1])
        let letter = try #require(try await store.deadLetters(DeadLetterQuery()).first)
        #expect(letter.reason == "UNKNOWN_WORKFLOW")
        #expect(letter.message == "the event pins version 9 of 'pinned', which has no such version (latest: 2)")
    }
}
