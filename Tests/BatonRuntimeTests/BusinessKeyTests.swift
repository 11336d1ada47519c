import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import BatonStoreSQLite
import Foundation
import Synchronization
import Testing

/// A definition's `key`: one running instance per business key, whichever way starts arrive
/// (REST, trigger events, the same batch, a subworkflow step), on a real SQLite file.
@Suite("Business keys")
struct BusinessKeyTests {
    static let definition = """
        id: fulfil
        key: "${ $.input.orderId }"
        triggers: [{type: order.created}]
        steps:
          - {id: pick, type: task, taskType: warehouse.pick}
        """

    let topics = TopicNames()

    func withStore(_ body: (SQLiteStore, Orchestrator) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await SQLiteStore.open(.init(path: folder + "/baton.sqlite", synchronous: .normal))
        let counter = Mutex(0)
        let o = Orchestrator(store: store, clock: { Timestamp(milliseconds: 1_800_000_000_000) }, makeId: { "inst-\(counter.withLock { $0 += 1; return $0 })" })
        _ = try await o.registerDefinition(text: Self.definition)
        do {
            try await body(store, o)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    func trigger(_ id: String, orderId: JSONValue) -> InboundMessage {
        let wire = CloudEventCodec.encodeStructured(CloudEvent(id: id, source: "shop", type: "order.created", data: ["orderId": orderId]), topic: topics.triggers, key: nil)
        return InboundMessage(topic: topics.triggers, partition: 0, offset: 0, key: nil, value: wire.value, headers: wire.headers)
    }

    func finish(_ o: Orchestrator, _ id: String) async throws {
        let task = try #require(try await o.api.instance(id: id).activeTasks.values.first)
        let wire = TaskResultCodec.encode(TaskResult(taskId: task.taskId, instanceId: id, stepId: task.stepId, attempt: 1, status: .completed, output: [:]), topics: topics)
        _ = try await o.process([InboundMessage(topic: topics.taskResults, partition: 0, offset: 1, key: wire.key, value: wire.value, headers: [])])
    }

    @Test func aSecondRESTStartWithTheKeyReturnsTheRunningInstanceUntilItEnds() async throws {
        try await withStore { store, o in
            let first = try await o.startInstance(workflowId: "fulfil", version: nil, input: ["orderId": "o-1"], idempotencyKey: nil)
            #expect(first.created)
            #expect(first.instance.businessKey == "o-1")
            let again = try await o.startInstance(workflowId: "fulfil", version: nil, input: ["orderId": "o-1", "note": "resent"], idempotencyKey: nil)
            #expect(!again.created)
            #expect(again.instance.id == first.instance.id)
            let other = try await o.startInstance(workflowId: "fulfil", version: nil, input: ["orderId": "o-2"], idempotencyKey: nil)
            #expect(other.created)
            #expect(try await store.runningInstanceIds(workflowId: "fulfil", businessKey: "o-1") == [first.instance.id])

            try await finish(o, first.instance.id)
            let after = try await o.startInstance(workflowId: "fulfil", version: nil, input: ["orderId": "o-1"], idempotencyKey: nil)
            #expect(after.created)
            #expect(after.instance.id != first.instance.id)
        }
    }

    @Test func aTriggerWithARunningKeyIsRecordedOnThatInstanceAndIgnored() async throws {
        try await withStore { store, o in
            // Two events with one key in one batch, and a third in a later batch: one instance.
            let report = try await o.process([trigger("e1", orderId: "o-7"), trigger("e2", orderId: "o-7")])
            #expect(report.started == 1)
            #expect(report.ignored == 1)
            _ = try await o.process([trigger("e3", orderId: "o-7")])
            let page = try await o.api.instances(InstanceQuery(workflowId: "fulfil"))
            #expect(page.instances.map(\.id) == ["inst-1"])
            let ignored = try await o.api.history(instanceId: "inst-1", afterSequence: 0, limit: 50).filter { $0.type == .inputIgnored }
            #expect(ignored.map { $0.data["origin"] } == ["trigger:shop/e2", "trigger:shop/e3"])
            #expect(ignored.allSatisfy { $0.data["reason"] == "DUPLICATE_BUSINESS_KEY" && $0.data["businessKey"] == "o-7" })
            #expect(o.counters.startsIgnoredByBusinessKey == 2)
            // A number key is its JSON text; an object cannot be a key: dead letter, nothing started.
            _ = try await o.process([trigger("e4", orderId: 42)])
            #expect(try await store.runningInstanceIds(workflowId: "fulfil", businessKey: "42").count == 1)
            let bad = try await o.process([trigger("e5", orderId: ["x": 1])])
            #expect(bad.deadLettered == 1)
            #expect(try await o.api.deadLetters(DeadLetterQuery()).last?.reason == "INVALID_INPUT")
        }
    }

    @Test func aKeyThatCannotBeComputedRefusesTheRESTStartWith422() async throws {
        try await withStore { _, o in
            await #expect(throws: ServiceError.self) {
                _ = try await o.startInstance(workflowId: "fulfil", version: nil, input: ["orderId": [1, 2]], idempotencyKey: nil)
            }
            // No key at all (null) is a start without a key.
            let keyless = try await o.startInstance(workflowId: "fulfil", version: nil, input: [:], idempotencyKey: nil)
            #expect(keyless.created)
            #expect(keyless.instance.businessKey == nil)
        }
    }

    @Test func aSubworkflowWhoseChildWouldBeATwinFailsWithDuplicateBusinessKey() async throws {
        try await withStore { _, o in
            _ = try await o.registerDefinition(text: """
                id: parent
                steps:
                  - {id: sub, type: subworkflow, workflow: fulfil, input: {orderId: o-9}}
                """)
            let running = try await o.startInstance(workflowId: "fulfil", version: nil, input: ["orderId": "o-9"], idempotencyKey: nil).instance
            let parent = try await o.startInstance(workflowId: "parent", version: nil, input: [:], idempotencyKey: nil).instance
            #expect(parent.status == .failed)
            #expect(parent.error?.code == "DUPLICATE_BUSINESS_KEY")
            #expect(parent.error?.details?["childError"]?["details"]?["runningInstanceId"] == .string(running.id))
        }
    }
}
