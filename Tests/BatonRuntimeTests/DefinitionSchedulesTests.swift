import BatonCore
import BatonExpressions
import BatonRuntime
import BatonScheduling
import BatonStore
import Synchronization
import Testing

/// A definition's `schedules:` through the API service over a store: created with the first
/// version, updated (state kept) and deleted with later ones, checked whole before anything is
/// registered, and never touching schedules made through the API.
@Suite struct DefinitionSchedulesTests {
    static func definition(_ schedules: String) -> String {
        """
        id: report
        schedules: \(schedules)
        steps:
          - {id: work, type: task, taskType: report.work}
        """
    }

    @Test func versionsCreateUpdateAndDeleteTheirSchedulesAndLeaveOthersAlone() async throws {
        let store = InMemoryStore()
        let now = Mutex(Timestamp(milliseconds: 1_800_000_000_000))
        let orchestrator = Orchestrator(store: store, clock: { now.withLock { $0 } }, makeId: { "i" })
        let service = WorkflowAPIService(orchestrator: orchestrator)

        _ = try await service.registerDefinition(text: Self.definition(#"[{id: hourly, cron: "0 * * * *"}, {id: quarter, every: 15m, input: {at: "${ $.schedule.fireTime }"}}]"#))
        let first = try await store.schedules(workflowId: "report")
        #expect(first.map(\.id).sorted() == ["report.hourly", "report.quarter"])
        #expect(first.allSatisfy { $0.document["definedBy"] == "report" && $0.document["workflowId"] == "report" })
        #expect(first.first { $0.id == "report.quarter" }?.nextFireAt == Timestamp(milliseconds: 1_800_000_900_000))

        // One made through the API, with an id in the same namespace, and state on `hourly`.
        var manual = first[0]
        manual.id = "report.manual"
        manual.document = ["id": "report.manual", "workflowId": "report", "every": "1h"]
        try await store.createSchedule(manual)
        var hourly = try #require(try await store.schedule(id: "report.hourly"))
        var state = try #require(ScheduleState(json: hourly.state))
        state.paused = true
        state.tally.started = 4
        hourly.state = state.json
        hourly = try await store.updateSchedule(hourly, expectedVersion: hourly.version)

        // A version naming the API's schedule is refused whole: nothing registered, nothing changed.
        await #expect(throws: ServiceError.self) {
            _ = try await service.registerDefinition(text: Self.definition(#"[{id: hourly, cron: "30 * * * *"}, {id: manual, every: 1m}]"#))
        }
        #expect(try await store.definitionVersions(id: "report").count == 1)
        // So is one with a bad schedule, every problem with its pointer.
        do {
            _ = try await service.registerDefinition(text: Self.definition(#"[{id: hourly, cron: "61 * * * *"}, {id: quarter, every: 15m, overlap: sometimes}]"#))
            Issue.record("a bad schedule was accepted")
        } catch {
            #expect(error.code == .invalidDefinition)
            #expect(error.issues.map(\.field).sorted() == ["/schedules/0/cron", "/schedules/1/overlap"])
        }

        // Version 2 changes `hourly` and drops `quarter`.
        _ = try await service.registerDefinition(text: Self.definition(#"[{id: hourly, cron: "30 * * * *"}]"#))
        let second = try await store.schedules(workflowId: "report")
        #expect(second.map(\.id).sorted() == ["report.hourly", "report.manual"])
        let updated = try #require(second.first { $0.id == "report.hourly" })
        #expect(updated.document["cron"] == "30 * * * *")
        let kept = try #require(ScheduleState(json: updated.state))
        #expect(kept.paused && kept.tally.started == 4)
        #expect(updated.nextFireAt == nil)  // paused
        // Registering the same version again changes nothing.
        let version = updated.version
        _ = try await service.registerDefinition(text: Self.definition(#"[{id: hourly, cron: "30 * * * *"}]"#))
        #expect(try await store.schedule(id: "report.hourly")?.version == version)
        // Without schedules, the definition's are gone; the API's stays.
        _ = try await service.registerDefinition(text: Self.definition("[]"))
        #expect(try await store.schedules(workflowId: "report").map(\.id) == ["report.manual"])
    }

    @Test func theCompilerChecksTheShapeOfTheList() throws {
        #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(text: Self.definition("[{id: a, every: 1m}, {id: a, every: 2m}]")) }
        #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(text: Self.definition("[{every: 1m}]")) }
        #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(text: Self.definition("[{id: a, every: 1m, workflowId: other}]")) }
        #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(text: Self.definition("{id: a}")) }
        #expect(throws: Never.self) { try DefinitionCompiler.compile(text: Self.definition("[{id: a, every: 1m}]")) }
    }
}
