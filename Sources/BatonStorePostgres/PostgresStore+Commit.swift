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
        let written = Set(prepared.batch.instances.map(\.id))
        let readOnly = isShared ? prepared.batch.decidedFrom.filter { !written.contains($0.key) } : [:]
        guard !prepared.batch.isEmpty || !readOnly.isEmpty else { return [] }
        let encoded = prepared.encoded as? EncodedBatch ?? EncodedBatch(prepared.batch)
        let logger = logger
        let parts = writtenParts.toWrite(encoded)
        let sequences = try await refusingAsStaleWhenShared { () throws(StoreError) in try await transaction("commit a batch") { connection in
            try await Self.verifyRevisions(readOnly, on: connection, logger: logger)
            let sequences = try await Self.write(encoded, to: connection, logger: logger)
            if !parts.isEmpty {
                var (ids, keys, revisions, data) = (TextColumn(), TextColumn(), Int8Column(), TextColumn())
                for (instanceId, part) in parts {
                    ids.append(instanceId)
                    keys.append(part.key)
                    revisions.append(part.revision)
                    data.append(utf8: part.encoded)
                }
                try await connection.query("""
                    INSERT INTO instance_parts (instance_id, part, revision, data)
                    SELECT * FROM unnest(\(ids)::text[], \(keys)::text[], \(revisions)::bigint[], \(data)::text[])
                    ON CONFLICT (instance_id, part) DO UPDATE SET revision = excluded.revision, data = excluded.data
                    """, logger: logger)
            }
            Failpoint.insideBatchTransaction.reached()
            return sequences
        } }
        writtenParts.committed(encoded)
        return sequences
    }

    /// With several writers, a unique key that exists already (a dedupe mark, a running instance
    /// with the batch's business key) means another process committed the same input or start
    /// first: the batch is stale and is decided again, which finds the other's write. With one
    /// owning process it can only be a bug, and stays a `.conflict`.
    private func refusingAsStaleWhenShared<T>(_ body: () async throws(StoreError) -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch where error.code == .conflict && ownership == .shared {
            throw StoreError(.stale, error.message + "; another writer committed it first", isRetryable: true)
        }
    }

    /// Checks that the instances the batch only read are still at the revisions it read, and
    /// share-locks them until the transaction ends, so no other writer moves them before it
    /// commits.
    static func verifyRevisions(_ expected: [String: Int64], on connection: PostgresConnection, logger: Logger) async throws {
        guard !expected.isEmpty else { return }
        var (ids, revisions) = (TextColumn(), Int8Column())
        for (id, revision) in expected.sorted(by: { $0.key < $1.key }) {
            ids.append(id)
            revisions.append(revision)
        }
        var current: Set<String> = []
        let result = try await connection.query("""
            SELECT i.id FROM instances AS i JOIN unnest(\(ids)::text[], \(revisions)::bigint[]) AS x(id, expected)
                ON i.id = x.id AND i.revision = x.expected
            ORDER BY i.id FOR SHARE OF i
            """, logger: logger)
        for try await id in result.decode(String.self) { current.insert(id) }
        if let moved = expected.keys.sorted().first(where: { !current.contains($0) }) {
            throw StoreError.staleInstance(moved, expected: expected[moved], found: try await storedRevision(of: moved, connection, logger: logger))
        }
    }

    /// The body of the commit transaction: one multi-row statement per table (see `ArrayColumn`).
    /// Returns the outbox sequences, in the batch's order.
    static func write(_ batch: EncodedBatch, to connection: PostgresConnection, logger: Logger) async throws -> [Int64] {
        try await writeInstances(batch.instances, to: connection, logger: logger)
        if !batch.history.isEmpty {
            var (ids, sequences, times, types) = (TextColumn(), Int8Column(), Int8Column(), TextColumn())
            var (stepIds, taskIds, attempts, data, executionIds) = (TextColumn(), TextColumn(), Int8Column(), TextColumn(), TextColumn())
            for event in batch.history {
                ids.append(event.instanceId)
                sequences.append(event.sequence)
                times.append(event.time)
                types.append(event.type)
                stepIds.append(event.stepId)
                taskIds.append(event.taskId)
                attempts.append(event.attempt)
                data.append(utf8: event.data)
                executionIds.append(event.executionId)
            }
            try await execute(connection, logger, conflict: "a history event exists already; history is append-only", """
                INSERT INTO history (instance_id, sequence, time, type, step_id, task_id, attempt, data, execution_id)
                SELECT * FROM unnest(\(ids)::text[], \(sequences)::bigint[], \(times)::bigint[], \(types)::text[], \(stepIds)::text[],
                    \(taskIds)::text[], \(attempts)::bigint[], \(data)::text[], \(executionIds)::text[])
                """)
        }
        try await writeSteps(batch.steps, to: connection, logger: logger)
        let sequences = try await insertOutbox(batch.outbox, connection, logger: logger)
        if !batch.held.isEmpty {
            var (gates, topics, keys, values, headers, tasks) = (TextColumn(), TextColumn(), ByteaColumn(), ByteaColumn(), ByteaColumn(), TextColumn())
            for (gate, message, taskId) in batch.held {
                gates.append(gate)
                topics.append(message.topic)
                keys.append(message.key)
                values.append(message.value)
                headers.append(message.headers)
                tasks.append(taskId)
            }
            try await connection.query("""
                INSERT INTO held_dispatches (gate, topic, key, value, headers, held_at, task_id)
                SELECT x.gate, x.topic, x.key, x.value, x.headers, \(wallClockMilliseconds()), x.task_id
                FROM unnest(\(gates)::text[], \(topics)::text[], \(keys)::bytea[], \(values)::bytea[], \(headers)::bytea[], \(tasks)::text[])
                    WITH ORDINALITY AS x(gate, topic, key, value, headers, task_id, ord)
                ORDER BY x.ord
                """, logger: logger)
        }
        if !batch.withdrawnTasks.isEmpty {
            var tasks = TextColumn()
            for taskId in batch.withdrawnTasks { tasks.append(taskId) }
            try await connection.query("DELETE FROM held_dispatches WHERE task_id = ANY(\(tasks)::text[])", logger: logger)
        }
        if !batch.dedupe.isEmpty {
            var (keys, values) = (TextColumn(), TextColumn())
            for mark in batch.dedupe {
                keys.append(mark.key)
                values.append(mark.value)
            }
            try await execute(connection, logger, conflict: "a dedupe key exists already; check dedupeValues(for:) before committing", """
                INSERT INTO dedupe (key, value, created_at)
                SELECT x.key, x.value, \(wallClockMilliseconds()) FROM unnest(\(keys)::text[], \(values)::text[]) AS x(key, value)
                """)
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
        try await writeTimers(batch.timers, to: connection, logger: logger)
        return sequences
    }

    /// Runs a statement whose unique-key violation means the batch repeats something stored:
    /// `.conflict` with the server's detail (which key).
    static func execute(_ connection: PostgresConnection, _ logger: Logger, conflict: String, _ query: PostgresQuery) async throws {
        do {
            try await connection.query(query, logger: logger)
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError(.conflict, conflict + (error.serverInfo?[.detail].map { " (\($0))" } ?? ""))
        }
    }

    /// Inserts new instances and compare-and-sets stored ones (see `StoreBatch.decidedFrom`), a
    /// statement for each kind; any instance not written makes the batch `.stale`. An instance's
    /// id, workflow and creation time never change, so an update leaves those columns alone.
    private static func writeInstances(_ instances: [EncodedBatch.Instance], to connection: PostgresConnection, logger: Logger) async throws {
        var updated = (ids: TextColumn(), versions: Int8Column(), statuses: TextColumn(), updatedAt: Int8Column(), states: TextColumn(), expected: Int8Column())
        var inserted = (ids: TextColumn(), workflows: TextColumn(), versions: Int8Column(), statuses: TextColumn(), createdAt: Int8Column())
        var insertedRest = (updatedAt: Int8Column(), states: TextColumn(), parents: TextColumn(), businessKeys: TextColumn())
        for instance in instances {
            if let expected = instance.decidedFrom {
                updated.ids.append(instance.id)
                updated.versions.append(instance.workflowVersion)
                updated.statuses.append(instance.status)
                updated.updatedAt.append(instance.updatedAt)
                updated.states.append(utf8: instance.state)
                updated.expected.append(expected)
            } else {
                inserted.ids.append(instance.id)
                inserted.workflows.append(instance.workflowId)
                inserted.versions.append(instance.workflowVersion)
                inserted.statuses.append(instance.status)
                inserted.createdAt.append(instance.createdAt)
                insertedRest.updatedAt.append(instance.updatedAt)
                insertedRest.states.append(utf8: instance.state)
                insertedRest.parents.append(instance.parentId)
                insertedRest.businessKeys.append(instance.businessKey)
            }
        }
        var written: Set<String> = []
        if !updated.ids.isEmpty {
            let result = try await connection.query("""
                UPDATE instances AS i SET workflow_version = x.workflow_version, status = x.status, updated_at = x.updated_at,
                    state = x.state, revision = x.expected + 1
                FROM unnest(\(updated.ids)::text[], \(updated.versions)::bigint[], \(updated.statuses)::text[], \(updated.updatedAt)::bigint[],
                    \(updated.states)::text[], \(updated.expected)::bigint[]) AS x(id, workflow_version, status, updated_at, state, expected)
                WHERE i.id = x.id AND i.revision = x.expected
                RETURNING i.id
                """, logger: logger)
            for try await id in result.decode(String.self) { written.insert(id) }
        }
        if !inserted.ids.isEmpty {
            let result = try await connection.query("""
                INSERT INTO instances (id, workflow_id, workflow_version, status, created_at, updated_at, state, parent_id, business_key, revision)
                SELECT x.*, 1
                FROM unnest(\(inserted.ids)::text[], \(inserted.workflows)::text[], \(inserted.versions)::bigint[], \(inserted.statuses)::text[],
                    \(inserted.createdAt)::bigint[], \(insertedRest.updatedAt)::bigint[], \(insertedRest.states)::text[], \(insertedRest.parents)::text[],
                    \(insertedRest.businessKeys)::text[]) AS x
                ON CONFLICT (id) DO NOTHING
                RETURNING id
                """, logger: logger)
            for try await id in result.decode(String.self) { written.insert(id) }
        }
        if let refused = instances.first(where: { !written.contains($0.id) }) {
            throw StoreError.staleInstance(refused.id, expected: refused.decidedFrom, found: try await storedRevision(of: refused.id, connection, logger: logger))
        }
    }

    static func storedRevision(of id: String, _ connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        for try await revision in try await connection.query("SELECT revision FROM instances WHERE id = \(id)", logger: logger).decode(Int64.self) {
            return revision
        }
        return nil
    }

    /// Scheduled attempts are inserted, then outcomes applied (the last one per task attempt
    /// wins, as when applied one by one).
    private static func writeSteps(_ changes: [EncodedBatch.StepChange], to connection: PostgresConnection, logger: Logger) async throws {
        guard !changes.isEmpty else { return }
        var scheduled = (ids: TextColumn(), taskIds: TextColumn(), attempts: Int8Column(), stepIds: TextColumn(), inputs: TextColumn(), at: Int8Column(), sequences: Int8Column())
        var outcomes: [String: (order: Int, instanceId: String, taskId: String, attempt: Int?, status: String, detail: [UInt8]?, at: Int64)] = [:]
        for (order, change) in changes.enumerated() {
            switch change {
            case .scheduled(let instanceId, let taskId, let attempt, let stepId, let input, let at, let historySequence):
                scheduled.ids.append(instanceId)
                scheduled.taskIds.append(taskId)
                scheduled.attempts.append(attempt)
                scheduled.stepIds.append(stepId)
                scheduled.inputs.append(utf8: input)
                scheduled.at.append(at)
                scheduled.sequences.append(historySequence)
            case .completed(let instanceId, let taskId, let attempt, let output, let at):
                outcomes["\(instanceId)\u{0}\(taskId)\u{0}\(attempt ?? -1)"] = (order, instanceId, taskId, attempt, "COMPLETED", output, at)
            case .failed(let instanceId, let taskId, let attempt, let error, let at):
                outcomes["\(instanceId)\u{0}\(taskId)\u{0}\(attempt ?? -1)"] = (order, instanceId, taskId, attempt, "FAILED", error, at)
            }
        }
        if !scheduled.ids.isEmpty {
            try await execute(connection, logger, conflict: "a task attempt was scheduled already", """
                INSERT INTO step_executions (instance_id, task_id, attempt, step_id, status, input, scheduled_at, history_sequence)
                SELECT x.instance_id, x.task_id, x.attempt, x.step_id, 'SCHEDULED', x.input, x.scheduled_at, x.history_sequence
                FROM unnest(\(scheduled.ids)::text[], \(scheduled.taskIds)::text[], \(scheduled.attempts)::bigint[], \(scheduled.stepIds)::text[],
                    \(scheduled.inputs)::text[], \(scheduled.at)::bigint[], \(scheduled.sequences)::bigint[])
                    AS x(instance_id, task_id, attempt, step_id, input, scheduled_at, history_sequence)
                """)
        }
        guard !outcomes.isEmpty else { return }
        var rows = (ids: TextColumn(), taskIds: TextColumn(), attempts: Int8Column(), statuses: TextColumn(), details: TextColumn(), at: Int8Column())
        for outcome in outcomes.values.sorted(by: { $0.order < $1.order }) {
            rows.ids.append(outcome.instanceId)
            rows.taskIds.append(outcome.taskId)
            rows.attempts.append(outcome.attempt)
            rows.statuses.append(outcome.status)
            rows.details.append(utf8: outcome.detail)
            rows.at.append(outcome.at)
        }
        // An outcome without an attempt (a result from before attempts were recorded) settles
        // every attempt of its task.
        try await connection.query("""
            UPDATE step_executions AS s SET status = x.status, completed_at = x.at,
                output = CASE WHEN x.status = 'COMPLETED' THEN x.detail ELSE s.output END,
                error = CASE WHEN x.status = 'FAILED' THEN x.detail ELSE s.error END
            FROM unnest(\(rows.ids)::text[], \(rows.taskIds)::text[], \(rows.attempts)::bigint[], \(rows.statuses)::text[], \(rows.details)::text[],
                \(rows.at)::bigint[]) AS x(instance_id, task_id, attempt, status, detail, at)
            WHERE s.instance_id = x.instance_id AND s.task_id = x.task_id AND (x.attempt IS NULL OR s.attempt = x.attempt)
            """, logger: logger)
    }

    /// The batch's timer changes reduced to one final change per timer (they are ordered, and a
    /// multi-row statement applies its rows in no particular order), then one statement per kind.
    private static func writeTimers(_ changes: [TimerChange], to connection: PostgresConnection, logger: Logger) async throws {
        guard !changes.isEmpty else { return }
        enum Final { case set(Int64), delete, deleteIfAt(Int64) }
        var finals: [String: (instanceId: String, timerId: String, change: Final)] = [:]
        var order: [String] = []
        func record(_ instanceId: String, _ timerId: String, _ change: Final) {
            let key = instanceId + "\u{0}" + timerId
            if finals[key] == nil { order.append(key) }
            finals[key] = (instanceId, timerId, change)
        }
        for change in changes {
            switch change {
            case .set(let instanceId, let timerId, let fireAt):
                record(instanceId, timerId, .set(fireAt.milliseconds))
            case .delete(let instanceId, let timerId):
                record(instanceId, timerId, .delete)
            case .deleteIfAt(let instanceId, let timerId, let fireAt):
                switch finals[instanceId + "\u{0}" + timerId]?.change {
                case .set(let at)?: if at == fireAt.milliseconds { record(instanceId, timerId, .delete) }
                case .delete?: break
                case .deleteIfAt?, nil: record(instanceId, timerId, .deleteIfAt(fireAt.milliseconds))
                }
            }
        }
        var sets = (ids: TextColumn(), timerIds: TextColumn(), at: Int8Column())
        var deletes = (ids: TextColumn(), timerIds: TextColumn(), at: Int8Column())
        for key in order {
            guard let final = finals[key] else { continue }
            switch final.change {
            case .set(let at):
                sets.ids.append(final.instanceId)
                sets.timerIds.append(final.timerId)
                sets.at.append(at)
            case .delete, .deleteIfAt:
                var at: Int64?
                if case .deleteIfAt(let value) = final.change { at = value }
                deletes.ids.append(final.instanceId)
                deletes.timerIds.append(final.timerId)
                deletes.at.append(at)
            }
        }
        if !deletes.ids.isEmpty {
            try await connection.query("""
                DELETE FROM timers AS t USING unnest(\(deletes.ids)::text[], \(deletes.timerIds)::text[], \(deletes.at)::bigint[]) AS x(instance_id, timer_id, fire_at)
                WHERE t.instance_id = x.instance_id AND t.timer_id = x.timer_id AND (x.fire_at IS NULL OR t.fire_at = x.fire_at)
                """, logger: logger)
        }
        if !sets.ids.isEmpty {
            try await connection.query("""
                INSERT INTO timers (instance_id, timer_id, fire_at)
                SELECT * FROM unnest(\(sets.ids)::text[], \(sets.timerIds)::text[], \(sets.at)::bigint[])
                ON CONFLICT (instance_id, timer_id) DO UPDATE SET fire_at = excluded.fire_at, claimed_until = 0
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
