import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import BatonStoreSQLite
import Foundation
import Synchronization
import Testing

/// `waitForEvent` through the orchestrator on a real SQLite file: trigger-topic events matched
/// through the index, events kept before the wait (across a restart, in the same batch, within
/// the window only, consumed once), and signals.
@Suite("Event correlation and signals")
struct EventCorrelationTests {
    static let definition = """
        id: pay
        triggers: [{type: order.created, input: "${ $.data }"}]
        steps:
          - id: await
            type: waitForEvent
            event: payment.settled
            correlation: "${ $.input.orderId }"
            eventKey: "${ $.data.orderId }"
            next: ship
          - {id: ship, type: task, taskType: ship, input: "${ $.steps.await.output }"}
        """

    final class Clock: Sendable {
        let ms = Mutex<Int64>(1_800_000_000_000)
        var now: Timestamp { Timestamp(milliseconds: ms.withLock { $0 }) }
        func advance(_ delta: Int64) { ms.withLock { $0 += delta } }
    }

    let topics = TopicNames()

    func orchestrator(_ store: any WorkflowStore, _ clock: Clock, prefix: String = "inst") -> Orchestrator {
        let counter = Mutex(0)
        return Orchestrator(
            store: store, engine: Engine(eventWindowMilliseconds: 60_000), clock: { clock.now },
            makeId: { "\(prefix)-\(counter.withLock { $0 += 1; return $0 })" }
        )
    }

    func event(_ id: String, _ type: String, _ data: JSONValue) -> InboundMessage {
        let wire = CloudEventCodec.encodeStructured(CloudEvent(id: id, source: "shop", type: type, data: data), topic: topics.triggers, key: nil)
        return InboundMessage(topic: topics.triggers, partition: 0, offset: 0, key: nil, value: wire.value, headers: wire.headers)
    }

    func withFolder(_ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-events-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await body(folder + "/baton.sqlite")
    }

    @Test func anEventForAWaitingStepIsMatchedThroughTheIndexAndCompletesIt() async throws {
        try await withFolder { path in
            let store = try await SQLiteStore.open(.init(path: path, synchronous: .normal))
            defer { Task { await store.close() } }
            let clock = Clock()
            let o = orchestrator(store, clock)
            _ = try await o.registerDefinition(text: Self.definition)
            _ = try await o.process([event("c1", "order.created", ["orderId": "o-1"]), event("c2", "order.created", ["orderId": "o-2"])])
            #expect(try await store.eventWaits(event: "payment.settled", eventKeySource: "${ $.data.orderId }", correlationKey: "o-1")
                == [WaitingInstance(instanceId: "inst-1", waitId: "event:await:1")])

            let report = try await o.process([event("p1", "payment.settled", ["orderId": "o-1", "amount": 42])])
            #expect(report.deadLettered == 0)
            let paid = try await o.api.instance(id: "inst-1")
            #expect(paid.root.steps["await"]?.output == ["orderId": "o-1", "amount": 42])
            #expect(paid.activeTasks.values.map(\.stepId) == ["ship"])
            #expect(try await o.api.instance(id: "inst-2").root.steps["await"]?.status == .waiting)
            #expect(try await store.eventWaits(event: "payment.settled", eventKeySource: "${ $.data.orderId }", correlationKey: "o-1") == [])
            #expect(o.counters.eventsDelivered == 1)
            // A redelivered copy of the event is deduplicated (it is one event), not matched again.
            #expect(try await o.process([event("p1", "payment.settled", ["orderId": "o-1", "amount": 42])]).ignored == 1)
            // An event type nobody triggers on or waits for is still a dead letter.
            #expect(try await o.process([event("x1", "nobody.cares", [:])]).deadLettered == 1)
        }
    }

    @Test func anEventBeforeTheWaitIsKeptAcrossARestartAndTakenOnce() async throws {
        try await withFolder { path in
            let clock = Clock()
            do {
                let store = try await SQLiteStore.open(.init(path: path, synchronous: .normal))
                let o = orchestrator(store, clock)
                _ = try await o.registerDefinition(text: Self.definition)
                let kept = try await o.process([event("p1", "payment.settled", ["orderId": "o-9", "amount": 7])])
                #expect(kept.deadLettered == 0)
                #expect(o.counters.eventsKept == 1)
                await store.close()
            }
            clock.advance(30_000)
            let store = try await SQLiteStore.open(.init(path: path, synchronous: .normal))
            defer { Task { await store.close() } }
            let o = orchestrator(store, clock, prefix: "after")
            _ = try await o.loadDefinitions()
            // Two orders with the key: the first to wait takes the kept event; the second waits.
            _ = try await o.process([event("c1", "order.created", ["orderId": "o-9"]), event("c2", "order.created", ["orderId": "o-9"])])
            let first = try await o.api.instance(id: "after-1")
            let second = try await o.api.instance(id: "after-2")
            #expect(first.root.steps["await"]?.output == ["orderId": "o-9", "amount": 7])
            #expect(second.root.steps["await"]?.status == .waiting)
            #expect(try await store.bufferedEvents(event: "payment.settled", eventKeySource: "${ $.data.orderId }", correlationKey: "o-9", at: clock.now) == [])
            let history = try await o.api.history(instanceId: "after-1", afterSequence: 0, limit: 20)
            #expect(history.first { $0.type == .eventReceived }?.data["origin"] == "event:shop/p1")
        }
    }

    @Test func anEventKeptInTheSameBatchAsTheWaitIsTakenAndPastTheWindowIsNot() async throws {
        try await withFolder { path in
            let store = try await SQLiteStore.open(.init(path: path, synchronous: .normal))
            defer { Task { await store.close() } }
            let clock = Clock()
            let o = orchestrator(store, clock)
            _ = try await o.registerDefinition(text: Self.definition)
            _ = try await o.process([event("p1", "payment.settled", ["orderId": "o-1"]), event("c1", "order.created", ["orderId": "o-1"])])
            #expect(try await o.api.instance(id: "inst-1").root.steps["await"]?.status == .completed)

            _ = try await o.process([event("p2", "payment.settled", ["orderId": "o-2"])])
            clock.advance(60_001)
            _ = try await o.process([event("c2", "order.created", ["orderId": "o-2"])])
            #expect(try await o.api.instance(id: "inst-2").root.steps["await"]?.status == .waiting)
        }
    }

    @Test func aSignalIsDeliveredToTheWaitingStepOrKeptForOneToCome() async throws {
        try await withFolder { path in
            let store = try await SQLiteStore.open(.init(path: path, synchronous: .normal))
            defer { Task { await store.close() } }
            let o = orchestrator(store, Clock())
            _ = try await o.registerDefinition(text: """
                id: approval
                steps:
                  - {id: prepare, type: task, taskType: prep, next: approve}
                  - {id: approve, type: waitForEvent, event: approved, into: approval, next: done}
                  - {id: done, type: succeed, output: "${ $.vars.approval }"}
                """)
            let started = try await o.startInstance(workflowId: "approval", version: nil, input: [:], idempotencyKey: nil).instance
            let kept = try await o.signal(instanceId: started.id, name: "approved", data: ["by": "ann"], by: "ann")
            #expect(kept.stepId == nil)
            #expect(kept.instance.signals.count == 1)
            let task = try #require(started.activeTasks.values.first)
            let wire = TaskResultCodec.encode(TaskResult(taskId: task.taskId, instanceId: started.id, stepId: "prepare", attempt: 1, status: .completed, output: [:]), topics: topics)
            _ = try await o.process([InboundMessage(topic: topics.taskResults, partition: 0, offset: 1, key: wire.key, value: wire.value, headers: [])])
            let done = try await o.api.instance(id: started.id)
            #expect(done.status == .completed)
            #expect(done.output == ["by": "ann"])
            await #expect(throws: ServiceError.self) { _ = try await o.signal(instanceId: started.id, name: "approved", data: .null, by: "ann") }
            await #expect(throws: ServiceError.self) { _ = try await o.signal(instanceId: "nobody", name: "approved", data: .null, by: "ann") }

            let waiting = try await o.startInstance(workflowId: "approval", version: nil, input: [:], idempotencyKey: nil).instance
            let waitingTask = try #require(waiting.activeTasks.values.first)
            let wire2 = TaskResultCodec.encode(TaskResult(taskId: waitingTask.taskId, instanceId: waiting.id, stepId: "prepare", attempt: 1, status: .completed, output: [:]), topics: topics)
            _ = try await o.process([InboundMessage(topic: topics.taskResults, partition: 0, offset: 2, key: wire2.key, value: wire2.value, headers: [])])
            let delivered = try await o.signal(instanceId: waiting.id, name: "approved", data: ["by": "bob"], by: "bob")
            #expect(delivered.stepId == "approve")
            #expect(delivered.executionId == "root")
            #expect(delivered.instance.status == .completed)
            #expect(delivered.instance.output == ["by": "bob"])
        }
    }
}
