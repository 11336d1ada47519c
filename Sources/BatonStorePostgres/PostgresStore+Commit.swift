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
                var rows = JSONRows()
                for (instanceId, part) in parts {
                    rows.row {
                        $0.text("instance_id", instanceId)
                        $0.text("part", part.key)
                        $0.int("revision", part.revision)
                        $0.raw("data", part.encoded)
                    }
                }
                try await connection.query("""
                    INSERT INTO instance_parts (instance_id, part, revision, data)
                    SELECT x.instance_id, x.part, x.revision, x.data::text
                    FROM json_to_recordset(\(rows.parameter)::json) AS x(instance_id text, part text, revision integer, data json)
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
        var rows = JSONRows()
        for (id, revision) in expected.sorted(by: { $0.key < $1.key }) {
            rows.row {
                $0.text("id", id)
                $0.int("expected", revision)
            }
        }
        var current: Set<String> = []
        let result = try await connection.query("""
            SELECT i.id FROM instances AS i JOIN json_to_recordset(\(rows.parameter)::json) AS x(id text, expected bigint)
                ON i.id = x.id AND i.revision = x.expected
            ORDER BY i.id FOR SHARE OF i
            """, logger: logger)
        for try await id in result.decode(String.self) { current.insert(id) }
        if let moved = expected.keys.sorted().first(where: { !current.contains($0) }) {
            throw StoreError.staleInstance(moved, expected: expected[moved], found: try await storedRevision(of: moved, connection, logger: logger))
        }
    }

    /// The body of the commit transaction: one multi-row statement per table (see `JSONRows`).
    /// Returns the outbox sequences, in the batch's order.
    static func write(_ batch: EncodedBatch, to connection: PostgresConnection, logger: Logger) async throws -> [Int64] {
        try await writeInstances(batch.instances, to: connection, logger: logger)
        if !batch.history.isEmpty {
            var rows = JSONRows()
            for event in batch.history {
                rows.row {
                    $0.text("instance_id", event.instanceId)
                    $0.int("sequence", event.sequence)
                    $0.int("time", event.time)
                    $0.text("type", event.type)
                    $0.text("step_id", event.stepId)
                    $0.text("task_id", event.taskId)
                    $0.int("attempt", event.attempt)
                    $0.raw("data", event.data)
                    $0.text("execution_id", event.executionId)
                }
            }
            try await execute(connection, logger, conflict: "a history event exists already; history is append-only", """
                INSERT INTO history (instance_id, sequence, time, type, step_id, task_id, attempt, data, execution_id)
                SELECT x.instance_id, x.sequence, x.time, x.type, x.step_id, x.task_id, x.attempt, x.data::text, x.execution_id
                FROM json_to_recordset(\(rows.parameter)::json) AS x(instance_id text, sequence integer, time bigint, type text, step_id text,
                    task_id text, attempt integer, data json, execution_id text)
                """)
        }
        try await writeSteps(batch.steps, to: connection, logger: logger)
        var sequences: [Int64] = []
        if !batch.outbox.isEmpty {
            var rows = JSONRows()
            for (index, message) in batch.outbox.enumerated() {
                rows.row {
                    $0.int("ord", index)
                    $0.int("shard", OutboxShards.shard(forKey: message.key))
                    $0.text("topic", message.topic)
                    $0.hex("key", message.key)
                    $0.hex("value", message.value)
                    $0.hex("headers", message.headers)
                }
            }
            // Identity values are drawn in the SELECT's order, so the sorted sequences are the
            // batch's order (RETURNING itself promises no order).
            let result = try await connection.query("""
                INSERT INTO outbox (shard, topic, key, value, headers, created_at)
                SELECT x.shard, x.topic, decode(x.key, 'hex'), decode(x.value, 'hex'), decode(x.headers, 'hex'), \(wallClockMilliseconds())
                FROM json_to_recordset(\(rows.parameter)::json) AS x(ord integer, shard integer, topic text, key text, value text, headers text)
                ORDER BY x.ord
                RETURNING sequence
                """, logger: logger)
            for try await sequence in result.decode(Int64.self) { sequences.append(sequence) }
            sequences.sort()
        }
        if !batch.dedupe.isEmpty {
            var rows = JSONRows()
            for mark in batch.dedupe {
                rows.row {
                    $0.text("key", mark.key)
                    $0.text("value", mark.value)
                }
            }
            try await execute(connection, logger, conflict: "a dedupe key exists already; check dedupeValues(for:) before committing", """
                INSERT INTO dedupe (key, value, created_at)
                SELECT x.key, x.value, \(wallClockMilliseconds()) FROM json_to_recordset(\(rows.parameter)::json) AS x(key text, value text)
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
        var updates = JSONRows()
        var inserts = JSONRows()
        for instance in instances {
            if let expected = instance.decidedFrom {
                updates.row {
                    $0.text("id", instance.id)
                    $0.int("workflow_version", instance.workflowVersion)
                    $0.text("status", instance.status)
                    $0.int("updated_at", instance.updatedAt)
                    $0.raw("state", instance.state)
                    $0.int("expected", expected)
                }
            } else {
                inserts.row {
                    $0.text("id", instance.id)
                    $0.text("workflow_id", instance.workflowId)
                    $0.int("workflow_version", instance.workflowVersion)
                    $0.text("status", instance.status)
                    $0.int("created_at", instance.createdAt)
                    $0.int("updated_at", instance.updatedAt)
                    $0.raw("state", instance.state)
                    $0.text("parent_id", instance.parentId)
                    $0.text("business_key", instance.businessKey)
                }
            }
        }
        var written: Set<String> = []
        if !updates.isEmpty {
            let result = try await connection.query("""
                UPDATE instances AS i SET workflow_version = x.workflow_version, status = x.status, updated_at = x.updated_at,
                    state = x.state::text, revision = x.expected + 1
                FROM json_to_recordset(\(updates.parameter)::json) AS x(id text, workflow_version integer, status text, updated_at bigint, state json, expected bigint)
                WHERE i.id = x.id AND i.revision = x.expected
                RETURNING i.id
                """, logger: logger)
            for try await id in result.decode(String.self) { written.insert(id) }
        }
        if !inserts.isEmpty {
            let result = try await connection.query("""
                INSERT INTO instances (id, workflow_id, workflow_version, status, created_at, updated_at, state, parent_id, business_key, revision)
                SELECT x.id, x.workflow_id, x.workflow_version, x.status, x.created_at, x.updated_at, x.state::text, x.parent_id, x.business_key, 1
                FROM json_to_recordset(\(inserts.parameter)::json) AS x(id text, workflow_id text, workflow_version integer, status text,
                    created_at bigint, updated_at bigint, state json, parent_id text, business_key text)
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
        var scheduled = JSONRows()
        var outcomes: [String: (order: Int, instanceId: String, taskId: String, attempt: Int?, status: String, detail: [UInt8]?, at: Int64)] = [:]
        for (order, change) in changes.enumerated() {
            switch change {
            case .scheduled(let instanceId, let taskId, let attempt, let stepId, let input, let at, let historySequence):
                scheduled.row {
                    $0.text("instance_id", instanceId)
                    $0.text("task_id", taskId)
                    $0.int("attempt", attempt)
                    $0.text("step_id", stepId)
                    $0.raw("input", input)
                    $0.int("scheduled_at", at)
                    $0.int("history_sequence", historySequence)
                }
            case .completed(let instanceId, let taskId, let attempt, let output, let at):
                outcomes["\(instanceId)\u{0}\(taskId)\u{0}\(attempt ?? -1)"] = (order, instanceId, taskId, attempt, "COMPLETED", output, at)
            case .failed(let instanceId, let taskId, let attempt, let error, let at):
                outcomes["\(instanceId)\u{0}\(taskId)\u{0}\(attempt ?? -1)"] = (order, instanceId, taskId, attempt, "FAILED", error, at)
            }
        }
        if !scheduled.isEmpty {
            try await execute(connection, logger, conflict: "a task attempt was scheduled already", """
                INSERT INTO step_executions (instance_id, task_id, attempt, step_id, status, input, scheduled_at, history_sequence)
                SELECT x.instance_id, x.task_id, x.attempt, x.step_id, 'SCHEDULED', x.input::text, x.scheduled_at, x.history_sequence
                FROM json_to_recordset(\(scheduled.parameter)::json) AS x(instance_id text, task_id text, attempt integer, step_id text,
                    input json, scheduled_at bigint, history_sequence integer)
                """)
        }
        guard !outcomes.isEmpty else { return }
        var rows = JSONRows()
        for outcome in outcomes.values.sorted(by: { $0.order < $1.order }) {
            rows.row {
                $0.text("instance_id", outcome.instanceId)
                $0.text("task_id", outcome.taskId)
                $0.int("attempt", outcome.attempt)
                $0.text("status", outcome.status)
                $0.raw("detail", outcome.detail)
                $0.int("at", outcome.at)
            }
        }
        // An outcome without an attempt (a result from before attempts were recorded) settles
        // every attempt of its task.
        try await connection.query("""
            UPDATE step_executions AS s SET status = x.status, completed_at = x.at,
                output = CASE WHEN x.status = 'COMPLETED' THEN x.detail::text ELSE s.output END,
                error = CASE WHEN x.status = 'FAILED' THEN x.detail::text ELSE s.error END
            FROM json_to_recordset(\(rows.parameter)::json) AS x(instance_id text, task_id text, attempt integer, status text, detail json, at bigint)
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
        var sets = JSONRows()
        var deletes = JSONRows()
        for key in order {
            guard let final = finals[key] else { continue }
            switch final.change {
            case .set(let at):
                sets.row {
                    $0.text("instance_id", final.instanceId)
                    $0.text("timer_id", final.timerId)
                    $0.int("fire_at", at)
                }
            case .delete, .deleteIfAt:
                var at: Int64?
                if case .deleteIfAt(let value) = final.change { at = value }
                deletes.row {
                    $0.text("instance_id", final.instanceId)
                    $0.text("timer_id", final.timerId)
                    $0.int("fire_at", at)
                }
            }
        }
        if !deletes.isEmpty {
            try await connection.query("""
                DELETE FROM timers AS t USING json_to_recordset(\(deletes.parameter)::json) AS x(instance_id text, timer_id text, fire_at bigint)
                WHERE t.instance_id = x.instance_id AND t.timer_id = x.timer_id AND (x.fire_at IS NULL OR t.fire_at = x.fire_at)
                """, logger: logger)
        }
        if !sets.isEmpty {
            try await connection.query("""
                INSERT INTO timers (instance_id, timer_id, fire_at)
                SELECT x.instance_id, x.timer_id, x.fire_at FROM json_to_recordset(\(sets.parameter)::json) AS x(instance_id text, timer_id text, fire_at bigint)
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
