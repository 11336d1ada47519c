import BatonCore
import BatonExpressions
import BatonStore
import PostgresNIO

extension PostgresStore {
    /// - Throws: `.invalid` for a limit below 1.
    public func history(instanceId: String, afterSequence: Int, limit: Int) async throws(StoreError) -> [HistoryEvent] {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        let rows = try await run("read the history of instance '\(instanceId)'") { [self] connection in
            try await connection.query("""
                SELECT sequence, time, type, step_id, task_id, attempt, data, execution_id FROM history
                WHERE instance_id = \(instanceId) AND sequence > \(afterSequence) ORDER BY sequence LIMIT \(limit)
                """, logger: logger).collect()
        }
        var events: [HistoryEvent] = []
        events.reserveCapacity(rows.count)
        for row in rows {
            let (sequence, time, typeName, stepId, taskId, attempt, data, executionId) =
                try decode(row, (Int, Int64, String, String?, String?, Int?, ByteBuffer?, String?).self, "a history event of instance '\(instanceId)'")
            guard let type = HistoryEventType(rawValue: typeName) else {
                throw StoreError(.corrupt, "history event \(sequence) of instance '\(instanceId)' has the unknown type '\(typeName)'; was it written by a newer Baton?")
            }
            events.append(HistoryEvent(
                sequence: sequence, time: Timestamp(milliseconds: time), type: type, stepId: stepId, executionId: executionId, taskId: taskId,
                attempt: attempt, data: try data.json("the data of history event \(sequence) of instance '\(instanceId)'") ?? .null))
        }
        return events
    }

    public func stepExecutions(instanceId: String) async throws(StoreError) -> [StepExecution] {
        let rows = try await run("read the step executions of instance '\(instanceId)'") { [self] connection in
            try await connection.query("""
                SELECT task_id, step_id, attempt, status, input, output, error, scheduled_at, completed_at FROM step_executions
                WHERE instance_id = \(instanceId) ORDER BY history_sequence
                """, logger: logger).collect()
        }
        var executions: [StepExecution] = []
        for row in rows {
            let (taskId, stepId, attempt, statusName, input, output, error, scheduledAt, completedAt) =
                try decode(row, (String, String, Int, String, ByteBuffer?, ByteBuffer?, ByteBuffer?, Int64, Int64?).self, "a step execution of instance '\(instanceId)'")
            guard let status = StepStatus(rawValue: statusName) else {
                throw StoreError(.corrupt, "step execution '\(taskId)' of instance '\(instanceId)' has the unknown status '\(statusName)'")
            }
            let what = "step execution '\(taskId)' of instance '\(instanceId)'"
            executions.append(StepExecution(
                instanceId: instanceId, taskId: taskId, stepId: stepId, attempt: attempt, status: status,
                input: try input.json("the input of \(what)"), output: try output.json("the output of \(what)"),
                error: try error.json("the error of \(what)").flatMap(ErrorInfo.init(json:)),
                scheduledAt: Timestamp(milliseconds: scheduledAt), completedAt: completedAt.map { Timestamp(milliseconds: $0) }))
        }
        return executions
    }

    /// One query for all keys (`= ANY`), however many there are.
    public func dedupeValues(for keys: [String]) async throws(StoreError) -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        return try await run("read dedupe marks") { [self] connection in
            var values: [String: String] = [:]
            let rows = try await connection.query("SELECT key, value FROM dedupe WHERE key = ANY(\(keys))", logger: logger)
            for try await (key, value) in rows.decode((String, String).self) { values[key] = value }
            return values
        }
    }
}
