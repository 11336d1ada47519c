import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import BatonStorePostgres
import BatonStoreSQLite
import BatonTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Concurrency limits below Kafka: the orchestrator with its timer and admission services on a
/// real SQLite file, and two of them on one PostgreSQL database.
@Suite("Concurrency limits")
struct ConcurrencyLimitTests {
    static let definition = """
        id: limited
        maxConcurrent: 2
        steps:
          - { id: call, type: task, taskType: t }
        """

    let topics = TopicNames()
    let logger = Logger(label: "test.limits")

    func orchestrator(_ store: any WorkflowStore, prefix: String = "inst-", limits: ConcurrencyLimits = ConcurrencyLimits(), wake: WakeSignal? = nil) -> Orchestrator {
        let counter = Mutex(0)
        var configuration = OrchestratorConfiguration()
        configuration.limits = limits
        return Orchestrator(
            store: store, configuration: configuration, clock: { Timestamp.wallClock },
            makeId: { "\(prefix)\(counter.withLock { $0 += 1; return $0 })" }, wakesTimers: wake
        )
    }

    func completed(_ instance: String) -> InboundMessage {
        let result = TaskResult(taskId: "\(instance).1", instanceId: instance, stepId: "call", attempt: 1, status: .completed, output: ["ok": true])
        let wire = TaskResultCodec.encode(result, topics: topics)
        return InboundMessage(topic: topics.taskResults, partition: 0, offset: 0, key: wire.key, value: wire.value, headers: wire.headers)
    }

    func statuses(_ store: any WorkflowStore, _ ids: [String]) async throws -> [InstanceStatus?] {
        var result: [InstanceStatus?] = []
        for id in ids { result.append(try await store.instance(id: id)?.status) }
        return result
    }

    func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<1000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("not within 10 s: \(what)")
    }

    /// Runs the timer and admission services of `o` while `body` runs.
    func withServices<T>(_ o: Orchestrator, wake: WakeSignal, _ body: () async throws -> T) async throws -> T {
        let timers = TimerService(orchestrator: o, wake: wake, logger: logger)
        let admission = AdmissionService(orchestrator: o, interval: .milliseconds(200), logger: logger)
        let running = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await timers.run() }
                group.addTask { try? await admission.run() }
            }
        }
        defer { running.cancel() }
        return try await body()
    }

    @Test func startsBeyondMaxConcurrentWaitQueuedAndStartInOrderAsRunningOnesEnd() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-limits-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await SQLiteStore.open(.init(path: folder + "/baton.sqlite", synchronous: .normal))
        defer { Task { await store.close() } }
        let wake = WakeSignal()
        let o = orchestrator(store, wake: wake)
        _ = try await o.registerDefinition(text: Self.definition)
        let ids = (1...5).map { "inst-\($0)" }

        try await withServices(o, wake: wake) {
            for _ in ids {
                let started = try await o.startInstance(workflowId: "limited", version: nil, input: [:], idempotencyKey: nil)
                #expect(started.instance.status == .queued, "a limited workflow's start is created QUEUED and admitted by the store")
                try await Task.sleep(for: .milliseconds(3))
            }
            try await waitFor("the two oldest run") { try await statuses(store, ids) == [.running, .running, .queued, .queued, .queued] }
            // Settled: nothing more is admitted while both slots are taken.
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await statuses(store, ids) == [.running, .running, .queued, .queued, .queued])
            #expect(try await store.gauges().unfinished.map { "\($0.status.rawValue)=\($0.count)" } == ["QUEUED=3", "RUNNING=2"])

            _ = try await o.process([completed("inst-1")])
            try await waitFor("the next oldest starts when one ends") { try await statuses(store, ids) == [.completed, .running, .running, .queued, .queued] }

            // A queued instance can be cancelled; it is then never started.
            _ = try await o.cancelInstance(id: "inst-4", reason: "not needed", by: "test")
            _ = try await o.process([completed("inst-2")])
            try await waitFor("the one after the cancelled one starts") { try await statuses(store, ids) == [.completed, .completed, .running, .cancelled, .running] }
        }
        let history = try await store.history(instanceId: "inst-3", afterSequence: 0, limit: 10).map(\.type)
        #expect(history == [.workflowQueued, .workflowStarted, .taskScheduled])
    }

    @Test func aStartIsRefusedWhileTheQueueIsFullAndTakenOnceItDrains() async throws {
        let store = InMemoryStore()
        let o = orchestrator(store, limits: ConcurrencyLimits(maxRunning: 1, maxQueued: 2))
        _ = try await o.registerDefinition(text: "id: any\nsteps:\n  - { id: call, type: task, taskType: t }\n")
        for _ in 0..<2 { _ = try await o.startInstance(workflowId: "any", version: nil, input: [:], idempotencyKey: nil) }
        do {
            _ = try await o.startInstance(workflowId: "any", version: nil, input: [:], idempotencyKey: nil)
            Issue.record("a start beyond limits.maxQueued was taken")
        } catch {
            #expect(error.code == .queueFull)
            #expect(error.message.contains("limits.maxQueued is 2"))
        }
        #expect(try await store.instances(InstanceQuery()).instances.count == 2, "a refused start writes nothing")
        #expect(try await o.admitQueued() == AdmissionResult(admitted: ["inst-1"], waiting: ["any": 1]))
        #expect(o.queuedEstimate == 1)
        _ = try await o.startInstance(workflowId: "any", version: nil, input: [:], idempotencyKey: nil)
    }

    /// Two processes on one database, each starting instances and ending the running ones: the
    /// limit holds across both at every look, and instances start in the order they were queued.
    @Test func twoProcessesOnPostgreSQLNeverRunMoreThanTheLimit() async throws {
        let configuration = try await PostgresTestServer.shared.makeDatabase()
        defer { Task { await PostgresTestServer.shared.dropDatabase(configuration) } }
        let storeA = try await PostgresStore.open(configuration, ownership: .shared)
        let storeB = try await PostgresStore.open(configuration, ownership: .shared)
        defer { Task { await storeA.close(); await storeB.close() } }
        let (wakeA, wakeB) = (WakeSignal(), WakeSignal())
        let a = orchestrator(storeA, prefix: "a-", wake: wakeA)
        let b = orchestrator(storeB, prefix: "b-", wake: wakeB)
        _ = try await a.registerDefinition(text: Self.definition.replacingOccurrences(of: "maxConcurrent: 2", with: "maxConcurrent: 3"))
        _ = try await b.learnNewDefinitions()

        var created: [String] = []
        var maxRunning = 0
        try await withServices(a, wake: wakeA) {
            try await withServices(b, wake: wakeB) {
                for index in 0..<12 {
                    let o = index.isMultiple(of: 2) ? a : b
                    created.append(try await o.startInstance(workflowId: "limited", version: nil, input: [:], idempotencyKey: nil).instance.id)
                    try await Task.sleep(for: .milliseconds(3))
                }
                var done = 0
                for round in 0..<40 where done < created.count {
                    var running: [String] = []
                    try await waitFor("a slot is used again (round \(round))") {
                        running = try await storeA.instances(InstanceQuery(status: .running, limit: 100)).instances.map(\.id)
                        return running.count == min(3, created.count - done)
                    }
                    maxRunning = max(maxRunning, running.count)
                    // End one, alternately through each process.
                    let o = round.isMultiple(of: 2) ? a : b
                    try await o.processDecidingAgain(completed(running.sorted()[0]))
                    done += 1
                    let count = try await storeB.instances(InstanceQuery(status: .running, limit: 100)).instances.count
                    maxRunning = max(maxRunning, count)
                }
            }
        }
        #expect(maxRunning == 3)
        // Each started no earlier than every instance queued before it.
        var startedAt: [Timestamp] = []
        for id in created {
            let started = try await storeA.history(instanceId: id, afterSequence: 0, limit: 5).first { $0.type == .workflowStarted }
            startedAt.append(try #require(started?.time))
        }
        #expect(startedAt == startedAt.sorted(), "admitted in the order they were queued: \(zip(created, startedAt).map { "\($0.0)@\($0.1.milliseconds)" })")
    }
}
