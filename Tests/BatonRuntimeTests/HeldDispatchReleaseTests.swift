import BatonCore
import BatonRuntime
import BatonStore
import Logging
import Testing

/// Held task requests never stay held because the configuration that held them changed.
@Suite("Releasing held requests")
struct HeldDispatchReleaseTests {
    func waitFor(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<300 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("not within 3 s")
    }

    @Test func requestsHeldUnderARateSinceRemovedAreReleased() async throws {
        let store = InMemoryStore()
        var batch = StoreBatch()
        batch.held = (1...3).map { HeldDispatch(gate: "sms.send", message: OutboxMessage(topic: "baton.tasks.sms.send", key: nil, value: [UInt8($0)])) }
        try await store.commit(batch)
        // No rates, no breakers now.
        let o = Orchestrator(store: store, clock: { .wallClock }, makeId: { "i" })
        let limiter = DispatchRateLimiter(orchestrator: o, logger: Logger(label: "test"))
        let running = Task { try await limiter.run() }
        defer { running.cancel() }
        try await waitFor { try await store.pendingOutbox(limit: 10).map(\.value) == [[1], [2], [3]] }
        #expect(try await store.heldCounts().isEmpty)
    }

    @Test func aBreakerSwitchedOffForItsTypeHoldsNothing() async throws {
        let store = InMemoryStore()
        func orchestrator(_ breakers: BreakerSettings) -> Orchestrator {
            var configuration = OrchestratorConfiguration()
            configuration.breakers = breakers
            return Orchestrator(store: store, configuration: configuration, clock: { .wallClock }, makeId: { "i" })
        }
        // Opened under a policy…
        let before = orchestrator(BreakerSettings(defaultPolicy: BreakerPolicy(failures: 1)))
        _ = try await store.updateBreakers(BreakerUpdate(tallies: ["sms.send": BreakerTally(failures: 1)], policy: { _ in BreakerPolicy(failures: 1) }, now: .wallClock))
        try await CircuitBreakerService(orchestrator: before, logger: Logger(label: "test")).update()
        #expect(before.breakers.records.map(\.state) == [.open])
        // …then the type is switched off: its stored row says OPEN, but nothing is held.
        let after = orchestrator(BreakerSettings(defaultPolicy: BreakerPolicy(failures: 1), taskTypes: ["sms.send": nil]))
        try await CircuitBreakerService(orchestrator: after, logger: Logger(label: "test")).update()
        #expect(after.breakers.records.isEmpty)
        #expect(try await after.api.circuitBreakers().isEmpty)
    }

    /// A task cancelled while its request waits behind a rate limit: the request is withdrawn in
    /// the cancellation's transaction and never reaches the outbox, so no worker runs it.
    @Test func aCancelledTasksHeldRequestIsWithdrawn() async throws {
        let store = InMemoryStore()
        var configuration = OrchestratorConfiguration()
        configuration.taskRates = ["sms.send": 0.001]
        let o = Orchestrator(store: store, configuration: configuration, clock: { .wallClock }, makeId: { "held-1" })
        _ = try await o.registerDefinition(text: """
            id: texting
            steps:
              - { id: send, type: task, taskType: sms.send }
            """)
        let kept = try await o.startInstance(workflowId: "texting", version: nil, input: [:], idempotencyKey: nil).instance.id
        #expect(try await store.heldCounts() == ["sms.send": 1])
        _ = try await o.cancelInstance(id: kept, reason: "customer left", by: "test")
        #expect(try await store.heldCounts().isEmpty, "the request was withdrawn with the cancellation")
        let outbox = try await store.pendingOutbox(limit: 100)
        #expect(!outbox.contains { $0.topic == "baton.tasks.sms.send" })
        #expect(outbox.contains { $0.topic == "baton.task-cancellations" })
    }
}
