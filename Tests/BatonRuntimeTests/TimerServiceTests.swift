import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import BatonStoreSQLite
import Foundation
import Logging
import Synchronization
import Testing

/// Durable timers end to end below Kafka: a real SQLite file, the orchestrator and the timer
/// service, with a manual clock.
@Suite("Timers")
struct TimerServiceTests {
    static let definition = """
        id: flaky
        triggers:
          - type: go
        steps:
          - id: call
            type: task
            taskType: t
            retry: {maxAttempts: 3, initialInterval: 10s}
        """

    final class Clock: Sendable {
        let ms = Mutex<Int64>(1_800_000_000_000)
        var now: Timestamp { Timestamp(milliseconds: ms.withLock { $0 }) }
        func advance(_ delta: Int64) { ms.withLock { $0 += delta } }
    }

    let topics = TopicNames()

    func orchestrator(_ store: any WorkflowStore, _ clock: Clock, wakesTimers wake: WakeSignal? = nil) -> Orchestrator {
        let counter = Mutex(0)
        return Orchestrator(store: store, clock: { clock.now }, makeId: { "inst-\(counter.withLock { $0 += 1; return $0 })" }, wakesTimers: wake)
    }

    func trigger(_ id: String) -> InboundMessage {
        let wire = CloudEventCodec.encodeStructured(CloudEvent(id: id, source: "test", type: "go", data: [:]), topic: topics.triggers, key: nil)
        return InboundMessage(topic: topics.triggers, partition: 0, offset: 0, key: nil, value: wire.value, headers: wire.headers)
    }

    func failure(_ instance: String, task: Int, attempt: Int) -> InboundMessage {
        let result = TaskResult(taskId: "\(instance).\(task)", instanceId: instance, stepId: "call", attempt: attempt, status: .failed, error: ErrorInfo(code: "UNAVAILABLE", message: "later", retryable: true))
        let wire = TaskResultCodec.encode(result, topics: topics)
        return InboundMessage(topic: topics.taskResults, partition: 0, offset: 0, key: wire.key, value: wire.value, headers: wire.headers)
    }

    func waitFor(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<500 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 5 s")
    }

    @Test func aRetryTimerDueWhileBatonWasDownFiresAtStartUpOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-timers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/baton.sqlite"
        let clock = Clock()

        // First life: start, fail attempt 1; the retry timer is stored with the state.
        do {
            let store = try await SQLiteStore.open(.init(path: path, synchronous: .normal))
            let o = orchestrator(store, clock)
            _ = try await o.registerDefinition(text: Self.definition)
            _ = try await o.process([trigger("e1")])
            _ = try await o.process([failure("inst-1", task: 1, attempt: 1)])
            #expect(try await store.dueTimers(until: clock.now.adding(milliseconds: 60_000), limit: 10).map(\.timerId) == ["retry:call:2"])
            await store.close()
        }

        // Down for a minute; second life: the timer service fires the overdue retry at once.
        clock.advance(60_000)
        let store = try await SQLiteStore.open(.init(path: path, synchronous: .normal))
        defer { Task { await store.close() } }
        let wake = WakeSignal()
        let o = orchestrator(store, clock, wakesTimers: wake)
        _ = try await o.loadDefinitions()
        let service = TimerService(orchestrator: o, wake: wake, logger: Logger(label: "test"))
        let running = Task { try await service.run() }
        defer { running.cancel() }
        try await waitFor { try await store.instance(id: "inst-1")?.activeTasks.keys.sorted() == ["inst-1.2"] }
        let instance = try #require(try await store.instance(id: "inst-1"))
        #expect(instance.root.steps["call"]?.attempt == 2)
        #expect(instance.timers.isEmpty)
        #expect(try await store.dueTimers(until: clock.now.adding(milliseconds: 1_000_000), limit: 10).isEmpty)
        // The counters are added just after the store commit returns: a reader of the store can
        // be a moment ahead of them (a loaded CI run saw 0 here).
        try await waitFor { o.counters.timersFired >= 1 }
        #expect(o.counters.timersFired == 1)
        // Fired once: nothing more happens while time passes.
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await store.history(instanceId: "inst-1", afterSequence: 0, limit: 100).filter { $0.type == .taskScheduled }.count == 2)
    }

    @Test func aCommitThatSetsATimerWakesTheSleepingService() async throws {
        let store = InMemoryStore()
        let clock = Clock()
        let wake = WakeSignal()
        let o = orchestrator(store, clock, wakesTimers: wake)
        _ = try await o.registerDefinition(text: Self.definition)
        let service = TimerService(orchestrator: o, wake: wake, configuration: .init(maxSleep: .seconds(30)), logger: Logger(label: "test"))
        let running = Task { try await service.run() }
        defer { running.cancel() }
        _ = try await o.process([trigger("e1")])
        _ = try await o.process([failure("inst-1", task: 1, attempt: 1)])
        // The service now sleeps ~10 s (real time) towards the retry. Wait until it is in that
        // sleep for good (a wake-up pending from the commit would end a sleep at once).
        let retryAt = try #require(try await store.nextTimerAt())
        try await waitFor {
            let before = service.state
            guard before.isSleeping, before.towards == retryAt else { return false }
            try await Task.sleep(for: .milliseconds(50))
            return service.state == before
        }
        #expect(o.counters.timersFired == 0)
        // By the manual clock the retry is due, but nothing wakes the service yet...
        clock.advance(10_000)
        try await Task.sleep(for: .milliseconds(100))
        #expect(o.counters.timersFired == 0)
        // ...until a commit sets a timer: it wakes, finds the due one and fires it, long before
        // its 10 s sleep would have ended.
        _ = try await o.process([trigger("e2")])
        _ = try await o.process([failure("inst-2", task: 1, attempt: 1)])
        let woken = ContinuousClock.now
        try await waitFor { o.counters.timersFired == 1 }
        #expect(ContinuousClock.now - woken < .seconds(2))
        #expect(try await store.instance(id: "inst-1")?.root.steps["call"]?.attempt == 2)
    }

    static let heartbeating = """
        id: hb
        triggers:
          - type: go
        steps:
          - id: call
            type: task
            taskType: t
            heartbeatTimeout: 10s
        """

    func heartbeat(_ instance: String) -> InboundMessage {
        let result = TaskResult(taskId: "\(instance).1", instanceId: instance, stepId: "call", attempt: 1, status: .heartbeat)
        let wire = TaskResultCodec.encode(result, topics: topics)
        return InboundMessage(topic: topics.taskResults, partition: 0, offset: 0, key: wire.key, value: wire.value, headers: wire.headers)
    }

    /// The race the timer service runs: it reads due rows outside the write lock, and a heartbeat
    /// can move the same timer later before it fires them.
    @Test func aDueRowReadBeforeAHeartbeatMovedItsTimerNeitherFiresNorDeletesTheMovedTimer() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-timers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await SQLiteStore.open(.init(path: folder + "/baton.sqlite", synchronous: .normal))
        defer { Task { await store.close() } }
        let clock = Clock()
        let o = orchestrator(store, clock)
        _ = try await o.registerDefinition(text: Self.heartbeating)
        _ = try await o.process([trigger("e1")])
        _ = try await o.process([heartbeat("inst-1")])
        clock.advance(10_000)
        let due = try await store.dueTimers(until: clock.now, limit: 10)
        #expect(due.map(\.timerId) == ["heartbeat:inst-1.1"])
        // A heartbeat arrives between the read and the firing: the deadline moves 10 s later.
        _ = try await o.process([heartbeat("inst-1")])
        let movedTo = clock.now.adding(milliseconds: 10_000)

        #expect(try await o.fireTimers(due) == 0)
        let running = try #require(try await store.instance(id: "inst-1"))
        #expect(running.status == .running)
        #expect(running.error == nil)
        #expect(try await store.dueTimers(until: movedTo, limit: 10) == [DueTimer(instanceId: "inst-1", timerId: "heartbeat:inst-1.1", fireAt: movedTo)])

        // The moved timer still fires, at its own time.
        clock.advance(10_000)
        #expect(try await o.fireTimers(try await store.dueTimers(until: clock.now, limit: 10)) == 1)
        let timedOut = try #require(try await store.instance(id: "inst-1"))
        #expect(timedOut.status == .failed)
        #expect(timedOut.error?.code == "TIMEOUT")
    }

    @Test func aDueTimerWhoseDefinitionIsGoneFailsTheInstanceInsteadOfDroppingTheTimer() async throws {
        let store = GatedStore()
        let clock = Clock()
        _ = try await {
            let first = orchestrator(store, clock)
            _ = try await first.registerDefinition(text: Self.definition)
            _ = try await first.process([trigger("e1")])
            _ = try await first.process([failure("inst-1", task: 1, attempt: 1)])
        }()
        // A new process (empty catalog) finds the definition version gone from the store.
        store.hideDefinitions()
        let o = orchestrator(store, clock)
        clock.advance(10_000)
        let due = try await store.dueTimers(until: clock.now, limit: 10)
        #expect(due.map(\.timerId) == ["retry:call:2"])
        try await o.fireTimers(due)
        let failed = try #require(try await store.instance(id: "inst-1"))
        #expect(failed.status == .failed)
        #expect(failed.error?.code == "DEFINITION_UNAVAILABLE")
        #expect(failed.error?.message.contains("flaky v1") == true)
        #expect(try await store.dueTimers(until: clock.now.adding(milliseconds: 1_000_000), limit: 10).isEmpty)
        #expect(o.counters.definitionsUnavailable == 1)
        let history = try await store.history(instanceId: "inst-1", afterSequence: 0, limit: 100)
        #expect(history.last?.type == .workflowFailed)
    }
}
