import BatonCore
import BatonExpressions
import BatonStore
import BatonStorePostgres
import BatonStoreSQLite
import BatonTestSupport
import Foundation
import Testing

/// The backends the contract suite runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case memory
    /// A database of its own on the test process's PostgreSQL (see `PostgresTestServer`).
    case postgres

    var testDescription: String { rawValue }
}

/// A fresh, empty temporary directory, removed by `removeTemporaryDirectory`.
func makeTemporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("baton-store-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Runs `body` with a new, empty store of `backend`, then closes it and deletes its files.
func withStore<T>(_ backend: Backend, _ body: (any WorkflowStore) async throws -> T) async throws -> T {
    switch backend {
    case .memory:
        let store = InMemoryStore()
        let result = try await body(store)
        await store.close()
        return result
    case .sqlite:
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let store = try await SQLiteStore.open(.init(path: directory + "/baton.db", synchronous: .normal))
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    case .postgres:
        let database = try await PostgresTestServer.shared.makeDatabase()
        let store = try await PostgresStore.open(database)
        do {
            let result = try await body(store)
            await store.close()
            await PostgresTestServer.shared.dropDatabase(database)
            return result
        } catch {
            await store.close()
            await PostgresTestServer.shared.dropDatabase(database)
            throw error
        }
    }
}

/// Runs `body` and returns the `StoreError` it threw; records an issue if it threw nothing.
func storeError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws(StoreError) -> Void) async -> StoreError? {
    do {
        try await body()
        Issue.record("expected a StoreError, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: 1_780_000_000_000 + milliseconds) }

/// A running instance with nothing in it yet.
func plainInstance(_ id: String, workflow: String = "orders", status: InstanceStatus = .running, createdAt: Timestamp = at(0)) -> WorkflowInstance {
    WorkflowInstance(
        id: id, workflowId: workflow, workflowVersion: 1, status: status, input: ["orderId": .string(id)],
        createdAt: createdAt, updatedAt: createdAt)
}

/// An instance using every field, to prove the stored state round-trips exactly.
func richInstance(_ id: String) -> WorkflowInstance {
    let error = ErrorInfo(
        code: "PAYMENT_DECLINED", message: "card declined", retryable: true, details: ["limit": 100, "currency": "EUR"],
        stepId: "charge", attempt: 2, time: at(5_000))
    return WorkflowInstance(
        id: id, workflowId: "orders", workflowVersion: 3, status: .failed,
        input: ["orderId": "o-1", "amount": 12.5, "items": [["sku": "A", "qty": 2], ["sku": "B", "qty": 1]], "gift": false, "note": nil],
        executions: [Execution.rootId: Execution(id: Execution.rootId, status: .failed, steps: [
            "validate": StepState(status: .completed, output: ["ok": true], attempt: 1, executions: 1, taskId: "\(id).1", startedAt: at(1_000), completedAt: at(1_500)),
            "charge": StepState(status: .failed, error: error, attempt: 2, executions: 3, taskId: "\(id).3", startedAt: at(2_000), completedAt: at(5_000)),
            "notify": StepState(status: .scheduled, attempt: 1, taskId: "\(id).4", startedAt: at(5_100)),
        ], lastStepId: "charge", startedAt: at(0), completedAt: at(6_000))],
        vars: ["total": 25, "customer": ["name": "Ada", "tags": ["vip"]], "unicode": "Grüße ✓"],
        output: ["result": "declined"],
        error: error,
        activeTasks: [
            "\(id).4": ActiveTask(taskId: "\(id).4", stepId: "notify", attempt: 1, scheduledAt: at(5_100), deadline: at(65_100), lastHeartbeatAt: at(6_000), progress: ["pct": 40]),
            "\(id).5": ActiveTask(taskId: "\(id).5", stepId: "audit", attempt: 1, scheduledAt: at(5_200)),
        ],
        createdAt: at(0), updatedAt: at(6_000), completedAt: at(6_000), taskSequence: 5, historySequence: 12,
        origin: "trigger:kafka/orders-7")
}

func event(_ sequence: Int, _ type: HistoryEventType, step: String? = nil, task: String? = nil, attempt: Int? = nil, data: JSONValue = .null, time: Timestamp? = nil) -> HistoryEvent {
    HistoryEvent(sequence: sequence, time: time ?? at(Int64(sequence) * 100), type: type, stepId: step, taskId: task, attempt: attempt, data: data)
}

extension StoreBatch {
    /// A batch with history for one instance.
    static func history(_ instance: WorkflowInstance, _ events: [HistoryEvent]) -> StoreBatch {
        StoreBatch(instances: [instance], history: events.map { InstanceHistoryEvent(instanceId: instance.id, event: $0) })
    }
}

extension WorkflowStore {
    /// Commits as the only writer would: having just read each of the batch's stored instances,
    /// it names their current revisions (`StoreBatch.decidedFrom`), so the compare-and-set passes.
    /// For tests about something other than revisions.
    @discardableResult
    func commitAsSoleWriter(_ batch: StoreBatch) async throws(StoreError) -> [Int64] {
        var batch = batch
        for instance in batch.instances where batch.decidedFrom[instance.id] == nil {
            if let stored = try await versionedInstance(id: instance.id) { batch.decidedFrom[instance.id] = stored.revision }
        }
        return try await commit(batch)
    }
}
