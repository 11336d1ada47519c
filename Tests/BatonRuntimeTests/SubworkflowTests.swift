import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import BatonStoreSQLite
import Foundation
import Synchronization
import Testing

/// `subworkflow` steps through the orchestrator on a real SQLite file: the child is created, and
/// its end reaches the parent, in the transaction of the step that caused it; both sides are
/// linked in the store, the listing and the outbox; cancels cascade; a missing definition or a
/// bad input fails the step with a precise error.
@Suite("Sub-workflows")
struct SubworkflowTests {
    static let order = """
        id: order
        steps:
          - id: ship
            type: subworkflow
            workflow: shipping
            input: {sku: "${ $.input.sku }"}
            catch: [{errors: [SUBWORKFLOW_UNAVAILABLE, INVALID_INPUT], next: unshippable}]
            next: invoice
          - {id: invoice, type: task, taskType: billing.invoice, input: "${ $.steps.ship.output }"}
          - {id: unshippable, type: succeed, output: {error: "${ $.steps.ship.error.code }"}}
        """
    static let shipping = """
        id: shipping
        inputSchema: {type: object, required: [sku]}
        steps:
          - {id: pack, type: task, taskType: warehouse.pack, next: label}
          - {id: label, type: subworkflow, workflow: labels}
        """
    static let labels = """
        id: labels
        steps:
          - {id: print, type: task, taskType: labels.print}
        """

    let topics = TopicNames()

    func withStore(_ body: (SQLiteStore, Orchestrator) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-sub-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await SQLiteStore.open(.init(path: folder + "/baton.sqlite", synchronous: .normal))
        let counter = Mutex(0)
        let o = Orchestrator(store: store, clock: { Timestamp(milliseconds: 1_800_000_000_000) }, makeId: { "inst-\(counter.withLock { $0 += 1; return $0 })" })
        for text in [Self.order, Self.shipping, Self.labels] { _ = try await o.registerDefinition(text: text) }
        do {
            try await body(store, o)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// Completes the one running task of instance `id`.
    func complete(_ o: Orchestrator, _ id: String, output: JSONValue) async throws {
        let instance = try await o.api.instance(id: id)
        let task = try #require(instance.activeTasks.values.first, "\(id) runs no task")
        let result = TaskResult(taskId: task.taskId, instanceId: id, stepId: task.stepId, executionId: task.executionId, attempt: task.attempt, status: .completed, output: output)
        let wire = TaskResultCodec.encode(result, topics: topics)
        _ = try await o.process([InboundMessage(topic: topics.taskResults, partition: 0, offset: 1, key: wire.key, value: wire.value, headers: [])])
    }

    @Test func aParentWaitsForItsChildAndGrandchildAndTakesTheirOutput() async throws {
        try await withStore { store, o in
            let started = try await o.startInstance(workflowId: "order", version: nil, input: ["sku": "book"], idempotencyKey: nil).instance
            #expect(started.root.steps["ship"]?.status == .running)
            // The child exists as soon as the start committed, linked to its parent.
            let child = try #require(try await store.instance(id: "inst-1.1"))
            #expect(child.parent == ParentLink(instanceId: "inst-1", executionId: "root", stepId: "ship", depth: 1))
            #expect(child.input == ["sku": "book"])
            #expect(child.origin == "subworkflow:inst-1/ship")
            #expect(try await o.api.instances(InstanceQuery(parentId: "inst-1")).instances.map(\.id) == ["inst-1.1"])

            try await complete(o, "inst-1.1", output: ["parcel": 7])
            let grandchild = try #require(try await store.instance(id: "inst-1.1.2"))
            #expect(grandchild.parent?.depth == 2)
            try await complete(o, "inst-1.1.2", output: ["label": "L-7"])

            // The grandchild's end completed the child, whose end moved the parent on: one batch.
            #expect(try await store.instance(id: "inst-1.1.2")?.status == .completed)
            #expect(try await store.instance(id: "inst-1.1")?.status == .completed)
            let parent = try await o.api.instance(id: "inst-1")
            #expect(parent.root.steps["ship"]?.output == ["label": "L-7"])
            #expect(parent.activeTasks.values.map(\.stepId) == ["invoice"])
            let history = try await o.api.history(instanceId: "inst-1", afterSequence: 0, limit: 100).map(\.type)
            #expect(history == [.workflowStarted, .subworkflowStarted, .subworkflowEnded, .taskScheduled])
        }
    }

    @Test func aMissingDefinitionOrABadInputFailsTheStepWithAPreciseCode() async throws {
        try await withStore { store, o in
            _ = try await o.registerDefinition(text: Self.order.replacingOccurrences(of: "workflow: shipping", with: "workflow: nowhere"))
            let missing = try await o.startInstance(workflowId: "order", version: nil, input: ["sku": "book"], idempotencyKey: nil).instance
            #expect(missing.status == .completed)
            #expect(missing.output == ["error": "SUBWORKFLOW_UNAVAILABLE"])
            #expect(missing.root.steps["ship"]?.error?.message.contains("there is no definition 'nowhere'") == true)
            #expect(try await store.instance(id: "\(missing.id).1") == nil)

            _ = try await o.registerDefinition(text: Self.order.replacingOccurrences(of: "input: {sku: \"${ $.input.sku }\"}", with: "input: {item: 1}"))
            let invalid = try await o.startInstance(workflowId: "order", version: nil, input: [:], idempotencyKey: nil).instance
            #expect(invalid.output == ["error": "INVALID_INPUT"])
            #expect(invalid.root.steps["ship"]?.error?.message.contains("does not match its inputSchema") == true)
        }
    }

    @Test func cancellingTheParentCancelsEveryRunningDescendantInOneCommit() async throws {
        try await withStore { store, o in
            _ = try await o.startInstance(workflowId: "order", version: nil, input: ["sku": "book"], idempotencyKey: nil)
            try await complete(o, "inst-1.1", output: [:])  // the child now waits for the grandchild
            let cancelled = try await o.cancelInstance(id: "inst-1", reason: "customer called", by: "ops")
            #expect(cancelled.status == .cancelled)
            let child = try #require(try await store.instance(id: "inst-1.1"))
            let grandchild = try #require(try await store.instance(id: "inst-1.1.2"))
            #expect(child.status == .cancelled)
            #expect(grandchild.status == .cancelled)
            #expect(child.error?.message == "instance cancelled by ops: customer called")
            #expect(grandchild.error?.message == "instance cancelled by parent inst-1: instance cancelled by ops: customer called")
            // Cancelled by their parent, they do not report back: the parent's history ends with its cancel.
            #expect(try await o.api.history(instanceId: "inst-1", afterSequence: 0, limit: 100).last?.type == .workflowCancelled)
            #expect(try await o.api.history(instanceId: "inst-1.1", afterSequence: 0, limit: 100).last?.type == .workflowCancelled)
        }
    }

    @Test func theExampleRunsHelloValidatedAsItsChild() async throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("schemas/examples")
        try await withStore { store, o in
            for file in ["hello-subworkflow.yaml", "hello-validated.yaml"] {
                _ = try await o.registerDefinition(text: try String(contentsOf: examples.appendingPathComponent(file), encoding: .utf8))
            }
            let parent = try await o.startInstance(workflowId: "hello-subworkflow", version: nil, input: ["name": "Baton"], idempotencyKey: nil).instance
            let childId = "\(parent.id).1"
            try await complete(o, childId, output: ["message": "Hello, Baton!"])
            let done = try await o.api.instance(id: parent.id)
            #expect(done.status == .completed)
            #expect(done.output == ["fromChild": "Hello, Baton!", "child": ["message": "Hello, Baton!"]])
            #expect(try await store.instance(id: childId)?.parent?.instanceId == parent.id)
        }
    }
}
