import BatonCore
import BatonStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// Applies the batch in one transaction; on any error nothing of it remains.
    ///
    /// - Throws: `.stale` when an instance's revision moved since the batch was decided (or a new
    ///   instance exists); `.conflict` for an existing dedupe key or history sequence; `.invalid`
    ///   for history of an instance that is neither stored nor in the batch; a retryable
    ///   `.unavailable` when the server cannot be reached.
    @discardableResult
    public func commit(_ batch: StoreBatch) async throws(StoreError) -> [Int64] {
        try await commit(prepared: prepare(batch))
    }

    /// Encodes the batch's JSON columns on the caller's task.
    public func prepare(_ batch: StoreBatch) -> PreparedBatch {
        PreparedBatch(batch: batch, encoded: batch.isEmpty ? nil : EncodedBatch(batch))
    }

    @discardableResult
    public func commit(prepared: PreparedBatch) async throws(StoreError) -> [Int64] {
        guard !prepared.batch.isEmpty else { return [] }
        let encoded = prepared.encoded as? EncodedBatch ?? EncodedBatch(prepared.batch)
        let logger = logger
        let parts = writtenParts.toWrite(encoded)
        let sequences = try await transaction("commit a batch") { connection in
            let sequences = try await Self.write(encoded, to: connection, logger: logger)
            for (instanceId, part) in parts {
                try await connection.query("""
                    INSERT INTO instance_parts (instance_id, part, revision, data) VALUES (\(instanceId), \(part.key), \(part.revision), \(JSONText(part.encoded)))
                    ON CONFLICT (instance_id, part) DO UPDATE SET revision = excluded.revision, data = excluded.data
                    """, logger: logger)
            }
            Failpoint.insideBatchTransaction.reached()
            return sequences
        }
        writtenParts.committed(encoded)
        return sequences
    }

    /// The body of the commit transaction. Returns the outbox sequences, in the batch's order.
    static func write(_ batch: EncodedBatch, to connection: PostgresConnection, logger: Logger) async throws -> [Int64] {
        for instance in batch.instances {
            try await write(instance, to: connection, logger: logger)
        }
        for event in batch.history {
            do {
                try await connection.query("""
                    INSERT INTO history (instance_id, sequence, time, type, step_id, task_id, attempt, data, execution_id)
                    VALUES (\(event.instanceId), \(event.sequence), \(event.time), \(event.type), \(event.stepId), \(event.taskId), \(event.attempt), \(event.data.jsonText), \(event.executionId))
                    """, logger: logger)
            } catch let error as PSQLError where error.sqlState == "23505" {
                throw StoreError(.conflict, "history event \(event.sequence) of instance '\(event.instanceId)' exists already; history is append-only")
            }
        }
        for change in batch.steps {
            try await write(change, to: connection, logger: logger)
        }
        var sequences: [Int64] = []
        if !batch.outbox.isEmpty {
            sequences.reserveCapacity(batch.outbox.count)
            let now = wallClockMilliseconds()
            for message in batch.outbox {
                let rows = try await connection.query("""
                    INSERT INTO outbox (topic, key, value, headers, created_at)
                    VALUES (\(message.topic), \(message.key.bytea), \(Bytea(message.value)), \(message.headers.bytea), \(now)) RETURNING sequence
                    """, logger: logger)
                for try await sequence in rows.decode(Int64.self) { sequences.append(sequence) }
            }
        }
        if !batch.dedupe.isEmpty {
            let now = wallClockMilliseconds()
            for mark in batch.dedupe {
                do {
                    try await connection.query("INSERT INTO dedupe (key, value, created_at) VALUES (\(mark.key), \(mark.value), \(now))", logger: logger)
                } catch let error as PSQLError where error.sqlState == "23505" {
                    throw StoreError(.conflict, "dedupe key '\(mark.key)' exists already; check dedupeValues(for:) before committing")
                }
            }
        }
        for (record, headers) in batch.deadLetters {
            try await connection.query("""
                INSERT INTO dead_letters (source_topic, source_partition, source_offset, key, value, headers, reason, message, pointer, created_at)
                VALUES (\(record.sourceTopic), \(Int(record.sourcePartition)), \(record.sourceOffset), \(record.key.bytea), \(Bytea(record.value)),
                        \(headers.bytea), \(record.reason), \(record.message), \(record.pointer), \(record.createdAt.milliseconds))
                """, logger: logger)
        }
        for id in batch.redriven {
            let marked = try await connection.query("""
                UPDATE dead_letters SET redriven_at = \(batch.redrivenAt ?? wallClockMilliseconds()), redrive_count = redrive_count + 1
                WHERE id = \(id) RETURNING id
                """, logger: logger).collect()
            guard marked.count == 1 else { throw StoreError(.invalid, "no dead letter \(id) to mark redriven") }
        }
        try await writeEventIndex(batch, to: connection, logger: logger)
        for change in batch.timers {
            switch change {
            case .set(let instanceId, let timerId, let fireAt):
                try await connection.query("""
                    INSERT INTO timers (instance_id, timer_id, fire_at) VALUES (\(instanceId), \(timerId), \(fireAt.milliseconds))
                    ON CONFLICT (instance_id, timer_id) DO UPDATE SET fire_at = excluded.fire_at
                    """, logger: logger)
            case .delete(let instanceId, let timerId):
                try await connection.query("DELETE FROM timers WHERE instance_id = \(instanceId) AND timer_id = \(timerId)", logger: logger)
            case .deleteIfAt(let instanceId, let timerId, let fireAt):
                try await connection.query(
                    "DELETE FROM timers WHERE instance_id = \(instanceId) AND timer_id = \(timerId) AND fire_at = \(fireAt.milliseconds)", logger: logger)
            }
        }
        return sequences
    }

    /// Inserts a new instance or compare-and-sets a stored one (see `StoreBatch.decidedFrom`).
    /// An instance's id, workflow and creation time never change, so an
    /// update leaves those columns alone.
    private static func write(_ instance: EncodedBatch.Instance, to connection: PostgresConnection, logger: Logger) async throws {
        if let expected = instance.decidedFrom {
            let updated = try await connection.query("""
                UPDATE instances SET workflow_version = \(instance.workflowVersion), status = \(instance.status), updated_at = \(instance.updatedAt),
                    state = \(JSONText(instance.state)), revision = \(expected) + 1
                WHERE id = \(instance.id) AND revision = \(expected) RETURNING revision
                """, logger: logger).collect()
            if updated.count != 1 {
                throw StoreError.staleInstance(instance.id, expected: expected, found: try await storedRevision(of: instance.id, connection, logger: logger))
            }
        } else {
            let inserted = try await connection.query("""
                INSERT INTO instances (id, workflow_id, workflow_version, status, created_at, updated_at, state, parent_id, business_key, revision)
                VALUES (\(instance.id), \(instance.workflowId), \(instance.workflowVersion), \(instance.status), \(instance.createdAt), \(instance.updatedAt),
                        \(JSONText(instance.state)), \(instance.parentId), \(instance.businessKey), 1)
                ON CONFLICT (id) DO NOTHING RETURNING revision
                """, logger: logger).collect()
            if inserted.count != 1 {
                throw StoreError.staleInstance(instance.id, expected: nil, found: try await storedRevision(of: instance.id, connection, logger: logger))
            }
        }
    }

    private static func storedRevision(of id: String, _ connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        for try await revision in try await connection.query("SELECT revision FROM instances WHERE id = \(id)", logger: logger).decode(Int64.self) {
            return revision
        }
        return nil
    }

    private static func write(_ change: EncodedBatch.StepChange, to connection: PostgresConnection, logger: Logger) async throws {
        switch change {
        case .scheduled(let instanceId, let taskId, let attempt, let stepId, let input, let at, let historySequence):
            do {
                try await connection.query("""
                    INSERT INTO step_executions (instance_id, task_id, attempt, step_id, status, input, scheduled_at, history_sequence)
                    VALUES (\(instanceId), \(taskId), \(attempt), \(stepId), 'SCHEDULED', \(input.jsonText), \(at), \(historySequence))
                    """, logger: logger)
            } catch let error as PSQLError where error.sqlState == "23505" {
                throw StoreError(.conflict, "task '\(taskId)' attempt \(attempt) of instance '\(instanceId)' was scheduled already")
            }
        case .completed(let instanceId, let taskId, let attempt, let output, let at):
            try await connection.query("""
                UPDATE step_executions SET status = 'COMPLETED', output = \(output.jsonText), completed_at = \(at)
                WHERE instance_id = \(instanceId) AND task_id = \(taskId) AND (\(attempt)::integer IS NULL OR attempt = \(attempt))
                """, logger: logger)
        case .failed(let instanceId, let taskId, let attempt, let error, let at):
            try await connection.query("""
                UPDATE step_executions SET status = 'FAILED', error = \(error.jsonText), completed_at = \(at)
                WHERE instance_id = \(instanceId) AND task_id = \(taskId) AND (\(attempt)::integer IS NULL OR attempt = \(attempt))
                """, logger: logger)
        }
    }
}

extension PSQLError {
    /// The server's SQLSTATE, when the server reported the error.
    var sqlState: String? { code == .server ? serverInfo?[.sqlState] : nil }
}

/// Wall-clock time for the bookkeeping `created_at` of outbox rows and dedupe marks (for
/// operators, not for decisions).
func wallClockMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}
