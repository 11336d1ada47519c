import BatonCore
import BatonExpressions
import BatonScheduling
import BatonStore
import Foundation

/// What the API does with schedules; every change goes through the store's compare-and-set, so
/// it is safe from any process.
public protocol ScheduleOperations: Sendable {
    func createSchedule(_ document: JSONValue) async throws(ServiceError) -> ScheduleRecord
    func schedule(id: String) async throws(ServiceError) -> ScheduleRecord
    func schedules(workflowId: String?) async throws(ServiceError) -> [ScheduleRecord]
    func deleteSchedule(id: String) async throws(ServiceError)
    /// Pausing keeps fire times from starting anything; resuming runs none of the ones that passed.
    func setSchedulePaused(id: String, paused: Bool) async throws(ServiceError) -> ScheduleRecord
    /// Starts a run now, under the schedule's overlap policy; returns the instances started.
    func triggerSchedule(id: String) async throws(ServiceError) -> (schedule: ScheduleRecord, started: [String])
}

/// Schedules over the store, the workflow service (to check the workflow exists and to start
/// runs) and the schedule service (to decide a trigger-now as it decides fire times).
public struct ScheduleAPIService: ScheduleOperations {
    let store: any ScheduleStore
    let workflows: any WorkflowService
    let runner: ScheduleService
    let clock: @Sendable () -> Timestamp

    public init(store: any ScheduleStore, workflows: any WorkflowService, runner: ScheduleService, clock: @escaping @Sendable () -> Timestamp = { .wallClock }) {
        self.store = store
        self.workflows = workflows
        self.runner = runner
        self.clock = clock
    }

    public func createSchedule(_ document: JSONValue) async throws(ServiceError) -> ScheduleRecord {
        let parsed: ScheduleDocument
        do {
            parsed = try ScheduleDocument(parsing: document)
        } catch {
            throw ServiceError(.invalidSchedule, "the schedule has \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s"): \(error)",
                               issues: error.issues.map { DefinitionIssue(field: $0.field, message: $0.message) })
        }
        if parsed.definedBy != nil {
            throw ServiceError(.invalidSchedule, "'definedBy' is set by Baton for the schedules a definition lists; leave it out",
                               issues: [DefinitionIssue(field: "/definedBy", message: "set by Baton for the schedules a definition lists; leave it out")])
        }
        do {
            _ = try await workflows.definition(id: parsed.workflowId, version: nil)
        } catch where error.code == .notFound {
            throw ServiceError(.invalidSchedule, "workflow '\(parsed.workflowId)' is not registered",
                               issues: [DefinitionIssue(field: "/workflowId", message: "workflow '\(parsed.workflowId)' is not registered")])
        }
        let now = clock()
        let state = ScheduleState(decidedThrough: now.date, paused: parsed.paused)
        let record = ScheduleRecord(
            id: parsed.id, workflowId: parsed.workflowId, document: document, state: state.json,
            nextFireAt: parsed.paused ? nil : parsed.spec.nextFireTime(after: now.date).map(Timestamp.init(date:)), createdAt: now, updatedAt: now)
        try await mapStore { try await store.createSchedule(record) }
        return record
    }

    public func schedule(id: String) async throws(ServiceError) -> ScheduleRecord {
        guard let record = try await mapStore({ try await store.schedule(id: id) }) else {
            throw ServiceError(.notFound, "no schedule '\(id)'")
        }
        return record
    }

    public func schedules(workflowId: String?) async throws(ServiceError) -> [ScheduleRecord] {
        try await mapStore { try await store.schedules(workflowId: workflowId) }
    }

    public func deleteSchedule(id: String) async throws(ServiceError) {
        guard try await mapStore({ try await store.deleteSchedule(id: id) }) else { throw ServiceError(.notFound, "no schedule '\(id)'") }
    }

    public func setSchedulePaused(id: String, paused: Bool) async throws(ServiceError) -> ScheduleRecord {
        try await retryingStale(id) { record throws in
            guard let document = try? ScheduleDocument(parsing: record.document), var state = ScheduleState(json: record.state) else {
                throw ServiceError(.internal, "schedule '\(id)' cannot be read")
            }
            let now = clock()
            state.paused = paused
            // Fire times that passed while paused are not run late.
            if !paused { state.decidedThrough = max(state.decidedThrough, now.date) }
            var updated = record
            updated.state = state.json
            updated.updatedAt = now
            updated.nextFireAt = paused ? nil : document.spec.nextFireTime(after: state.decidedThrough).map(Timestamp.init(date:))
            return try await store.updateSchedule(updated, expectedVersion: record.version)
        }
    }

    public func triggerSchedule(id: String) async throws(ServiceError) -> (schedule: ScheduleRecord, started: [String]) {
        var started: [String] = []
        let record = try await retryingStale(id) { record throws in
            var look = ScheduleService.Look()
            let updated = try await runner.decide(record, now: clock(), triggerNow: true, into: &look)
            started = look.started
            return updated
        }
        return (record, started)
    }

    /// Reads the schedule and applies `change`, again from a fresh read when another writer moved
    /// it in between (a few times, then `.unavailable`).
    private func retryingStale(_ id: String, _ change: (ScheduleRecord) async throws -> ScheduleRecord) async throws(ServiceError) -> ScheduleRecord {
        for _ in 0..<5 {
            let record = try await schedule(id: id)
            do {
                return try await change(record)
            } catch let error as StoreError where error.code == .stale {
                continue
            } catch let error as ServiceError {
                throw error
            } catch {
                throw ServiceError(.internal, "schedule '\(id)': \(error)")
            }
        }
        throw ServiceError(.unavailable, "schedule '\(id)' kept changing under this request; try again")
    }
}
