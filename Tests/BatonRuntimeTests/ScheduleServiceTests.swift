import BatonCore
import BatonExpressions
import BatonRuntime
import BatonScheduling
import BatonStore
import Foundation
import Logging
import Synchronization
import Testing

/// Schedules decided against a real orchestrator and store with a manual clock.
@Suite("Schedule service")
struct ScheduleServiceTests {
    static let definition = """
        id: report
        steps:
          - {id: work, type: task, taskType: report.work, input: {day: "${ $.input.day }"}}
        """
    static let t0 = Timestamp(milliseconds: 1_800_000_000_000)

    final class Clock: Sendable {
        let now = Mutex(ScheduleServiceTests.t0)
        func advance(seconds: Int64) { now.withLock { $0 = Timestamp(milliseconds: $0.milliseconds + seconds * 1000) } }
        var read: @Sendable () -> Timestamp { { [self] in now.withLock { $0 } } }
    }

    static func schedule(_ document: JSONValue) throws -> ScheduleRecord {
        let parsed = try ScheduleDocument(parsing: document)
        let state = ScheduleState(decidedThrough: Date(timeIntervalSince1970: TimeInterval(t0.milliseconds) / 1000), paused: parsed.paused)
        let next = parsed.spec.nextFireTime(after: state.decidedThrough).map { Timestamp(milliseconds: Int64($0.timeIntervalSince1970 * 1000)) }
        return ScheduleRecord(id: parsed.id, workflowId: parsed.workflowId, document: document, state: state.json, nextFireAt: next, createdAt: t0, updatedAt: t0)
    }

    static func orchestrator(_ store: InMemoryStore, _ clock: Clock, prefix: String) -> Orchestrator {
        let counter = Mutex(0)
        return Orchestrator(store: store, clock: clock.read, makeId: { "\(prefix)-\(counter.withLock { $0 += 1; return $0 })" })
    }

    @Test func aDueFireTimeStartsOneInstanceWithItsInputAndMovesTheSchedule() async throws {
        let store = InMemoryStore()
        let clock = Clock()
        let orchestrator = Self.orchestrator(store, clock, prefix: "i")
        _ = try await orchestrator.registerDefinition(text: Self.definition)
        try await store.createSchedule(try Self.schedule(["id": "daily", "workflowId": "report", "every": "60s", "input": ["day": "${ $.schedule.fireTime }"]]))
        let service = ScheduleService(store: store, workflows: orchestrator.api, clock: clock.read, logger: Logger(label: "test"))

        #expect(try await service.look() == ScheduleService.Look())
        clock.advance(seconds: 61)
        let first = try await service.look()
        #expect(first.decided == 1 && first.started == ["i-1"])
        let instance = try await orchestrator.api.instance(id: "i-1")
        #expect(instance.input == ["day": "2027-01-15T08:01:00.000Z"])
        let stored = try #require(try await store.schedule(id: "daily"))
        #expect(stored.version == 2)
        #expect(stored.nextFireAt == Timestamp(milliseconds: Self.t0.milliseconds + 120_000))
        #expect(ScheduleState(json: stored.state)?.activeInstanceIds == ["i-1"])

        // Nothing more is due; at the next fire time the run is still going, so `skip` skips.
        #expect(try await service.look().decided == 0)
        clock.advance(seconds: 60)
        let second = try await service.look()
        #expect(second.started.isEmpty && second.skipped == 1)
    }

    /// Two processes (two orchestrators on one store) decide the same fire time at once: one
    /// instance between them, and the loser of the compare-and-set leaves the schedule be.
    @Test func twoDecidersStartOneInstancePerFireTime() async throws {
        let store = InMemoryStore()
        let clock = Clock()
        let a = Self.orchestrator(store, clock, prefix: "a")
        let b = Self.orchestrator(store, clock, prefix: "b")
        _ = try await a.registerDefinition(text: Self.definition)
        try await store.createSchedule(try Self.schedule(["id": "race", "workflowId": "report", "every": "60s", "overlap": "allow"]))
        clock.advance(seconds: 60)
        let logger = Logger(label: "test")
        let due = try #require(try await store.schedule(id: "race"))
        let one = ScheduleService(store: store, workflows: a.api, clock: clock.read, logger: logger)
        let two = ScheduleService(store: store, workflows: b.api, clock: clock.read, logger: logger)
        var lookOne = ScheduleService.Look()
        var lookTwo = ScheduleService.Look()
        _ = try await one.decide(due, now: clock.read(), into: &lookOne)
        // The second decided from the same version: its start finds the first one's instance,
        // its write is refused.
        await #expect(throws: StoreError.self) { _ = try await two.decide(due, now: clock.read(), into: &lookTwo) }
        #expect(lookOne.started == lookTwo.started, "the same instance: \(lookOne.started) \(lookTwo.started)")
        let page = try await store.instances(InstanceQuery(workflowId: "report", limit: 10))
        #expect(page.instances.count == 1)
    }

    @Test func missedFireTimesBeyondTheWindowAreCountedNotRun() async throws {
        let store = InMemoryStore()
        let clock = Clock()
        let orchestrator = Self.orchestrator(store, clock, prefix: "i")
        _ = try await orchestrator.registerDefinition(text: Self.definition)
        try await store.createSchedule(try Self.schedule(["id": "poll", "workflowId": "report", "every": "60s", "overlap": "allow", "catchupWindow": "150s"]))
        clock.advance(seconds: 3600)
        let look = try await ScheduleService(store: store, workflows: orchestrator.api, clock: clock.read, logger: Logger(label: "test")).look()
        #expect(look.missed == 57 && look.started.count == 3)
    }

    @Test func anUnreadableScheduleIsParkedNotRetriedEverySecond() async throws {
        let store = InMemoryStore()
        let clock = Clock()
        let orchestrator = Self.orchestrator(store, clock, prefix: "i")
        var broken = try Self.schedule(["id": "broken", "workflowId": "report", "every": "60s"])
        broken.document = ["id": "broken", "workflowId": "report", "every": "often"]
        try await store.createSchedule(broken)
        clock.advance(seconds: 60)
        let service = ScheduleService(store: store, workflows: orchestrator.api, clock: clock.read, logger: Logger(label: "test"))
        #expect(try await service.look().started.isEmpty)
        #expect(try await store.schedule(id: "broken")?.nextFireAt == nil)
        #expect(try await store.dueSchedules(until: Timestamp(milliseconds: Int64.max), limit: 10).isEmpty)
    }
}
