import BatonCore
import BatonExpressions
import BatonStore

extension SQLiteStore {
    /// - Throws: `.invalid` for a limit below 1.
    public func history(instanceId: String, afterSequence: Int, limit: Int) async throws(StoreError) -> [HistoryEvent] {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        return try await performRead { connection throws(StoreError) in
            let sql = """
                SELECT sequence, time, type, step_id, task_id, attempt, data, execution_id FROM history
                WHERE instance_id = ?1 AND sequence > ?2 ORDER BY sequence LIMIT ?3
                """
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, instanceId)
                try statement.bind(2, afterSequence)
                try statement.bind(3, limit)
                var events: [HistoryEvent] = []
                while try statement.step() {
                    let sequence = statement.int(0)
                    let typeName = statement.string(2)
                    guard let type = HistoryEventType(rawValue: typeName) else {
                        throw StoreError(.corrupt, "history event \(sequence) of instance '\(instanceId)' has the unknown type '\(typeName)'; was it written by a newer Baton?")
                    }
                    events.append(HistoryEvent(
                        sequence: sequence, time: Timestamp(milliseconds: statement.int64(1)), type: type,
                        stepId: statement.optionalString(3), executionId: statement.optionalString(7), taskId: statement.optionalString(4), attempt: statement.optionalInt(5),
                        data: try statement.json(6, "the data of history event \(sequence) of instance '\(instanceId)'") ?? .null))
                }
                return events
            }
        }
    }

    public func stepExecutions(instanceId: String) async throws(StoreError) -> [StepExecution] {
        try await performRead { connection throws(StoreError) in
            let sql = """
                SELECT task_id, step_id, attempt, status, input, output, error, scheduled_at, completed_at FROM step_executions
                WHERE instance_id = ?1 ORDER BY history_sequence
                """
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, instanceId)
                var executions: [StepExecution] = []
                while try statement.step() {
                    let taskId = statement.string(0)
                    let statusName = statement.string(3)
                    guard let status = StepStatus(rawValue: statusName) else {
                        throw StoreError(.corrupt, "step execution '\(taskId)' of instance '\(instanceId)' has the unknown status '\(statusName)'")
                    }
                    let what = "step execution '\(taskId)' of instance '\(instanceId)'"
                    executions.append(StepExecution(
                        instanceId: instanceId, taskId: taskId, stepId: statement.string(1), attempt: statement.int(2), status: status,
                        input: try statement.json(4, "the input of \(what)"), output: try statement.json(5, "the output of \(what)"),
                        error: try statement.json(6, "the error of \(what)").flatMap(ErrorInfo.init(json:)),
                        scheduledAt: Timestamp(milliseconds: statement.int64(7)),
                        completedAt: statement.isNull(8) ? nil : Timestamp(milliseconds: statement.int64(8))))
                }
                return executions
            }
        }
    }

    public func dedupeValues(for keys: [String]) async throws(StoreError) -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        return try await performRead { connection throws(StoreError) in
            let select = try connection.statement("SELECT value FROM dedupe WHERE key = ?1")
            defer { select.reset() }
            var values: [String: String] = [:]
            for key in keys {
                select.reset()
                try select.bind(1, key)
                if try select.step() { values[key] = select.string(0) }
            }
            return values
        }
    }
}
