import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import BatonStoreSQLite
import Foundation
import Synchronization
import Testing

/// The orchestrator names the revision every decision was made on, so the store refuses one made
/// on a state another writer has moved on; on a real SQLite file.
@Suite("Compare-and-set commits")
struct CompareAndSetTests {
    static let definition = """
        id: chain
        steps:
          - {id: a, type: task, taskType: a, next: b}
          - {id: b, type: task, taskType: b, next: c}
          - {id: c, type: task, taskType: c}
        """

    let topics = TopicNames()

    func withOrchestrator(_ body: (SQLiteStore, Orchestrator) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-cas-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await SQLiteStore.open(.init(path: folder + "/baton.sqlite", synchronous: .normal))
        let o = Orchestrator(store: store, clock: { Timestamp(milliseconds: 1_800_000_000_000) }, makeId: { "i" })
        _ = try await o.registerDefinition(text: Self.definition)
        do {
            try await body(store, o)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    func completed(_ step: String, task: Int, offset: Int64) -> InboundMessage {
        let wire = TaskResultCodec.encode(TaskResult(taskId: "i.\(task)", instanceId: "i", stepId: step, attempt: 1, status: .completed, output: [:]), topics: topics)
        return InboundMessage(topic: topics.taskResults, partition: 0, offset: offset, key: wire.key, value: wire.value, headers: [])
    }

    @Test func decisionsQueuedOnUncommittedOnesNameTheRevisionsTheyWillFind() async throws {
        try await withOrchestrator { store, o in
            _ = try await o.startInstance(workflowId: "chain", version: nil, input: [:], idempotencyKey: nil)
            // Three results submitted back to back: each is decided on the previous, uncommitted one.
            let tickets = [
                try await o.submit([completed("a", task: 1, offset: 1)]),
                try await o.submit([completed("b", task: 2, offset: 2)]),
                try await o.submit([completed("c", task: 3, offset: 3)]),
            ]
            for ticket in tickets { try await ticket.wait() }
            let stored = try #require(try await store.versionedInstance(id: "i"))
            #expect(stored.instance.status == .completed)
            #expect(stored.revision == 4)
        }
    }

    @Test func aDecisionOnAStateAnotherWriterMovedOnIsRefusedAndNothingOfItIsWritten() async throws {
        try await withOrchestrator { store, o in
            _ = try await o.startInstance(workflowId: "chain", version: nil, input: [:], idempotencyKey: nil)
            #expect(try await store.versionedInstance(id: "i")?.revision == 1)
            // Another writer (a second Baton process) pauses the instance behind this one's back.
            let other = try #require(try await store.versionedInstance(id: "i"))
            var paused = other.instance
            paused.status = .paused
            var batch = StoreBatch(instances: [paused])
            batch.decidedFrom = ["i": other.revision]
            try await store.commit(batch)
            let outboxBefore = try await store.outboxCount()

            // This process still holds revision 1 in its cache and decides the result on it.
            let error = await #expect(throws: StoreError.self) { try await o.process([completed("a", task: 1, offset: 1)]) }
            #expect(error?.code == .stale)
            #expect(error?.message.contains("decided from revision 1 but another writer has committed revision 2") == true)
            let after = try #require(try await store.versionedInstance(id: "i"))
            #expect(after.revision == 2)
            #expect(after.instance.status == .paused)
            #expect(try await store.history(instanceId: "i", afterSequence: 0, limit: 100).map(\.type) == [.workflowStarted, .taskScheduled])
            #expect(try await store.outboxCount() == outboxBefore)
            #expect(error?.isRetryable == true, "a refusal is decided again, not the end of the consumer")
            #expect(o.counters.commitsRefusedStale == 1)

            // Decided again (as the input consumer does after a refusal), on what the store has now:
            // revision 2, paused, so the result is deferred until a resume — on the stale cached
            // revision it would have been applied to a running instance.
            _ = try await o.process([completed("a", task: 1, offset: 1)])
            let redecided = try #require(try await store.versionedInstance(id: "i"))
            #expect(redecided.revision == 3)
            #expect(redecided.instance.status == .paused)
            #expect(try await store.history(instanceId: "i", afterSequence: 0, limit: 100).map(\.type) == [.workflowStarted, .taskScheduled, .inputDeferred])
            #expect(o.counters.commitsRefusedStale == 1)
        }
    }

    @Test func aCommandRefusedAsStaleIsDecidedAgainOnWhatTheOtherWriterCommitted() async throws {
        try await withOrchestrator { store, o in
            _ = try await o.startInstance(workflowId: "chain", version: nil, input: [:], idempotencyKey: nil)
            // Another process pauses the instance; this one still caches revision 1 (running).
            let other = try #require(try await store.versionedInstance(id: "i"))
            var paused = other.instance
            paused.status = .paused
            var batch = StoreBatch(instances: [paused])
            batch.decidedFrom = ["i": other.revision]
            try await store.commit(batch)

            // Pause on the cached running state is refused by the store, decided again on the
            // paused one, and answered as what it is there: a conflict, not an internal error.
            let error = await #expect(throws: ServiceError.self) { try await o.operate(.pause, id: "i", reason: "test", by: "t") }
            #expect(error?.code == .conflict)
            #expect(error?.message.contains("PAUSED") == true || error?.message.contains("paused") == true, "\(String(describing: error))")
            #expect(o.counters.commitsRefusedStale == 1)
            #expect(o.counters.commandsDecidedAgain == 1)

            // Resume works through the same path, on revision 2, and commits revision 3.
            let resumed = try await o.operate(.resume, id: "i", reason: "test", by: "t")
            #expect(resumed.status == .running)
            #expect(try await store.versionedInstance(id: "i")?.revision == 3)
        }
    }
}
