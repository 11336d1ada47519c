import BatonCore
import BatonExpressions
import BatonStore
import Testing

/// Schedules: created once, updated only from the version they were read at, found when due.
/// Each test runs once per backend.
@Suite("ScheduleStore contract")
struct ScheduleStoreContractTests {
    static func record(_ id: String, workflow: String = "orders", next: Int64? = 1_000, state: JSONValue = ["decidedThrough": 0]) -> ScheduleRecord {
        ScheduleRecord(
            id: id, workflowId: workflow, document: ["cron": "*/5 * * * *", "timezone": "Europe/Berlin"], state: state,
            nextFireAt: next.map(Timestamp.init(milliseconds:)), createdAt: Timestamp(milliseconds: 10), updatedAt: Timestamp(milliseconds: 10))
    }

    static func withSchedules(_ backend: Backend, _ body: (any ScheduleStore) async throws -> Void) async throws {
        try await withStore(backend) { store in
            let schedules = try #require(store as? any ScheduleStore, "\(backend) stores schedules")
            try await body(schedules)
        }
    }

    @Test(arguments: Backend.allCases)
    func aScheduleIsCreatedOnceAndReadBack(_ backend: Backend) async throws {
        try await Self.withSchedules(backend) { store in
            try await store.createSchedule(Self.record("nightly"))
            #expect(try await store.schedule(id: "nightly") == Self.record("nightly"))
            let error = await storeError { () throws(StoreError) in try await store.createSchedule(Self.record("nightly", workflow: "other")) }
            #expect(error?.code == .conflict)
            #expect(error?.message == "schedule 'nightly' exists already")
            #expect(try await store.schedule(id: "nightly")?.workflowId == "orders", "the first one stays")
            #expect(try await store.schedule(id: "missing") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func anUpdateFromAStaleVersionIsRefusedAndWritesNothing(_ backend: Backend) async throws {
        try await Self.withSchedules(backend) { store in
            try await store.createSchedule(Self.record("nightly"))
            var mine = Self.record("nightly", next: 2_000, state: ["decidedThrough": 1_000])
            mine.updatedAt = Timestamp(milliseconds: 20)
            let stored = try await store.updateSchedule(mine, expectedVersion: 1)
            #expect(stored.version == 2 && stored.nextFireAt == Timestamp(milliseconds: 2_000) && stored.state == ["decidedThrough": 1_000])
            #expect(stored.createdAt == Timestamp(milliseconds: 10) && stored.updatedAt == Timestamp(milliseconds: 20))
            #expect(try await store.schedule(id: "nightly") == stored)

            // A second decider read version 1 too: refused, and the first one's write stays.
            let theirs = Self.record("nightly", next: 9_000, state: ["decidedThrough": 5_000])
            let error = await storeError { () throws(StoreError) in _ = try await store.updateSchedule(theirs, expectedVersion: 1) }
            #expect(error?.code == .stale)
            #expect(error?.message == "schedule 'nightly' was decided from version 1 but is at version 2; nothing was written")
            #expect(try await store.schedule(id: "nightly") == stored)

            #expect(try await store.deleteSchedule(id: "nightly"))
            let gone = await storeError { () throws(StoreError) in _ = try await store.updateSchedule(theirs, expectedVersion: 2) }
            #expect(gone?.message == "schedule 'nightly' was decided from version 2 but no longer exists; nothing was written")
            #expect(try await !store.deleteSchedule(id: "nightly"))
        }
    }

    @Test(arguments: Backend.allCases)
    func dueSchedulesComeMostOverdueFirstAndPausedOnesNever(_ backend: Backend) async throws {
        try await Self.withSchedules(backend) { store in
            try await store.createSchedule(Self.record("b", next: 3_000))
            try await store.createSchedule(Self.record("a", next: 3_000))
            try await store.createSchedule(Self.record("early", next: 1_000))
            try await store.createSchedule(Self.record("later", next: 9_000))
            try await store.createSchedule(Self.record("paused", next: nil))
            #expect(try await store.dueSchedules(until: Timestamp(milliseconds: 3_000), limit: 10).map(\.id) == ["early", "a", "b"])
            #expect(try await store.dueSchedules(until: Timestamp(milliseconds: 3_000), limit: 2).map(\.id) == ["early", "a"])
            #expect(try await store.dueSchedules(until: Timestamp(milliseconds: 999), limit: 10).isEmpty)
            let error = await storeError { () throws(StoreError) in _ = try await store.dueSchedules(until: Timestamp(milliseconds: 0), limit: 0) }
            #expect(error?.code == .invalid)
        }
    }

    @Test(arguments: Backend.allCases)
    func schedulesListByIdAndByWorkflow(_ backend: Backend) async throws {
        try await Self.withSchedules(backend) { store in
            try await store.createSchedule(Self.record("z", workflow: "orders"))
            try await store.createSchedule(Self.record("B", workflow: "billing"))
            try await store.createSchedule(Self.record("a", workflow: "orders"))
            #expect(try await store.schedules(workflowId: nil).map(\.id) == ["B", "a", "z"], "byte order, as SQLite compares TEXT")
            #expect(try await store.schedules(workflowId: "orders").map(\.id) == ["a", "z"])
            #expect(try await store.schedules(workflowId: "none").isEmpty)
        }
    }

    /// Two deciders update the same schedule at once: exactly one wins on every backend.
    @Test(arguments: Backend.allCases)
    func concurrentUpdatesFromOneVersionHaveOneWinner(_ backend: Backend) async throws {
        try await Self.withSchedules(backend) { store in
            try await store.createSchedule(Self.record("race"))
            let outcomes = await withTaskGroup(of: String.self) { group in
                for attempt in 0..<8 {
                    group.addTask {
                        let record = Self.record("race", next: Int64(10_000 + attempt))
                        do throws(StoreError) {
                            _ = try await store.updateSchedule(record, expectedVersion: 1)
                            return "won"
                        } catch {
                            return error.code.rawValue
                        }
                    }
                }
                var all: [String] = []
                for await outcome in group { all.append(outcome) }
                return all.sorted()
            }
            #expect(outcomes == ["stale", "stale", "stale", "stale", "stale", "stale", "stale", "won"])
            #expect(try await store.schedule(id: "race")?.version == 2)
        }
    }
}
