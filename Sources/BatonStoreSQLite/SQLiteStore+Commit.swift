import BatonCore
import BatonStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteStore {
    /// Applies the batch in one `BEGIN IMMEDIATE … COMMIT`; on any error nothing of it remains.
    ///
    /// - Throws: `.conflict` for an existing dedupe key or history sequence; `.invalid` for
    ///   history of an instance that is neither stored nor in the batch; a retryable
    ///   `.unavailable` when the database is busy, full or read-only.
    @discardableResult
    public func commit(_ batch: StoreBatch) async throws(StoreError) -> [Int64] {
        try await commit(prepared: prepare(batch))
    }

    /// Encodes the batch's JSON columns on the caller's thread.
    public func prepare(_ batch: StoreBatch) -> PreparedBatch {
        PreparedBatch(batch: batch, encoded: batch.isEmpty ? nil : EncodedBatch(batch))
    }

    @discardableResult
    public func commit(prepared: PreparedBatch) async throws(StoreError) -> [Int64] {
        guard !prepared.batch.isEmpty else { return [] }
        let encoded = prepared.encoded as? EncodedBatch ?? EncodedBatch(prepared.batch)
        let parts = writtenParts.toWrite(encoded)
        let sequences = try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let sequences = try Self.write(encoded, to: connection)
                try Self.write(parts: parts, to: connection)
                Failpoint.insideBatchTransaction.reached()
                return sequences
            }
        }
        writtenParts.committed(encoded)
        return sequences
    }

    /// Inserts new instances and compare-and-sets stored ones (see `StoreBatch.decidedFrom`).
    static func write(instances: [EncodedBatch.Instance], to connection: SQLiteConnection) throws(StoreError) {
        for instance in instances {
            if let expected = instance.decidedFrom {
                let update = try connection.statement(CommitSQL.updateInstance)
                try update.bind(1, instance.id)
                try update.bind(2, instance.workflowVersion)
                try update.bind(3, instance.status)
                try update.bind(4, instance.updatedAt)
                try update.bind(5, text: instance.state)
                try update.bind(6, expected)
                try update.run()
                if connection.changes != 1 {
                    throw StoreError.staleInstance(instance.id, expected: expected, found: try storedRevision(of: instance.id, connection))
                }
            } else {
                let insert = try connection.statement(CommitSQL.insertInstance)
                try insert.bind(1, instance.id)
                try insert.bind(2, instance.workflowId)
                try insert.bind(3, instance.workflowVersion)
                try insert.bind(4, instance.status)
                try insert.bind(5, instance.createdAt)
                try insert.bind(6, instance.updatedAt)
                try insert.bind(7, text: instance.state)
                try insert.bind(8, instance.parentId)
                try insert.bind(9, instance.businessKey)
                do {
                    try insert.run()
                } catch where error.code == .conflict {
                    throw StoreError.staleInstance(instance.id, expected: nil, found: try storedRevision(of: instance.id, connection))
                }
            }
        }
    }

    private static func storedRevision(of id: String, _ connection: SQLiteConnection) throws(StoreError) -> Int64? {
        try connection.withStatement("SELECT revision FROM instances WHERE id = ?1") { statement throws(StoreError) in
            try statement.bind(1, id)
            return try statement.step() ? statement.int64(0) : nil
        }
    }

    static func write(parts: [(instanceId: String, part: StoredPart)], to connection: SQLiteConnection) throws(StoreError) {
        guard !parts.isEmpty else { return }
        let upsert = try connection.statement(CommitSQL.upsertPart)
        for (instanceId, part) in parts {
            try upsert.bind(1, instanceId)
            try upsert.bind(2, part.key)
            try upsert.bind(3, part.revision)
            try upsert.bind(4, text: part.encoded)
            try upsert.run()
        }
    }

    /// The body of the commit transaction. Each statement is fetched from the cache once per batch
    /// and rebound per row.
    /// Returns the outbox sequences, in the batch's order.
    static func write(_ batch: EncodedBatch, to connection: SQLiteConnection) throws(StoreError) -> [Int64] {
        if !batch.instances.isEmpty {
            try write(instances: batch.instances, to: connection)
        }
        if !batch.history.isEmpty {
            let insert = try connection.statement(CommitSQL.insertHistory)
            for event in batch.history {
                try insert.bind(1, event.instanceId)
                try insert.bind(2, event.sequence)
                try insert.bind(3, event.time)
                try insert.bind(4, event.type)
                try insert.bind(5, event.stepId)
                try insert.bind(6, event.taskId)
                try insert.bind(7, event.attempt)
                try insert.bind(8, text: event.data)
                try insert.bind(9, event.executionId)
                do {
                    try insert.run()
                } catch where error.code == .conflict {
                    throw StoreError(.conflict, "history event \(event.sequence) of instance '\(event.instanceId)' exists already; history is append-only", underlyingCode: error.underlyingCode)
                }
            }
        }
        if !batch.steps.isEmpty {
            try writeStepChanges(batch.steps, to: connection)
        }
        let sequences = try insertOutbox(batch.outbox, connection)
        if !batch.held.isEmpty {
            let insert = try connection.statement(CommitSQL.insertHeld)
            let now = wallClockMilliseconds()
            for (gate, message, taskId) in batch.held {
                try insert.bind(1, gate)
                try insert.bind(2, message.topic)
                try insert.bind(3, blob: message.key)
                try insert.bind(4, blob: message.value)
                try insert.bind(5, blob: message.headers)
                try insert.bind(6, now)
                try insert.bind(7, taskId)
                try insert.run()
            }
        }
        if !batch.withdrawnTasks.isEmpty {
            let delete = try connection.statement("DELETE FROM held_dispatches WHERE task_id = ?1")
            for taskId in batch.withdrawnTasks {
                try delete.bind(1, taskId)
                try delete.run()
            }
        }
        if !batch.dedupe.isEmpty {
            let insert = try connection.statement(CommitSQL.insertDedupe)
            let now = wallClockMilliseconds()
            for mark in batch.dedupe {
                try insert.bind(1, mark.key)
                try insert.bind(2, mark.value)
                try insert.bind(3, now)
                do {
                    try insert.run()
                } catch where error.code == .conflict {
                    throw StoreError(.conflict, "dedupe key '\(mark.key)' exists already; check dedupeValues(for:) before committing", underlyingCode: error.underlyingCode)
                }
            }
        }
        if !batch.deadLetters.isEmpty {
            let insert = try connection.statement(CommitSQL.insertDeadLetter)
            for (record, headers) in batch.deadLetters {
                try insert.bind(1, record.sourceTopic)
                try insert.bind(2, Int(record.sourcePartition))
                try insert.bind(3, record.sourceOffset)
                try insert.bind(4, blob: record.key)
                try insert.bind(5, blob: record.value)
                try insert.bind(6, blob: headers)
                try insert.bind(7, record.reason)
                try insert.bind(8, record.message)
                try insert.bind(9, record.pointer)
                try insert.bind(10, record.createdAt.milliseconds)
                try insert.run()
            }
        }
        if !batch.redriven.isEmpty {
            let mark = try connection.statement(CommitSQL.markRedriven)
            for id in batch.redriven {
                try mark.bind(1, batch.redrivenAt ?? wallClockMilliseconds())
                try mark.bind(2, id)
                try mark.run()
                guard connection.changes == 1 else { throw StoreError(.invalid, "no dead letter \(id) to mark redriven") }
            }
        }
        try writeEventIndex(batch, connection)
        if !batch.timers.isEmpty {
            let set = try connection.statement(CommitSQL.setTimer)
            let delete = try connection.statement(CommitSQL.deleteTimer)
            let deleteIfAt = try connection.statement(CommitSQL.deleteTimerIfAt)
            for change in batch.timers {
                switch change {
                case .set(let instanceId, let timerId, let fireAt):
                    try set.bind(1, instanceId)
                    try set.bind(2, timerId)
                    try set.bind(3, fireAt.milliseconds)
                    try set.run()
                case .delete(let instanceId, let timerId):
                    try delete.bind(1, instanceId)
                    try delete.bind(2, timerId)
                    try delete.run()
                case .deleteIfAt(let instanceId, let timerId, let fireAt):
                    try deleteIfAt.bind(1, instanceId)
                    try deleteIfAt.bind(2, timerId)
                    try deleteIfAt.bind(3, fireAt.milliseconds)
                    try deleteIfAt.run()
                }
            }
        }
        return sequences
    }

    private static func writeStepChanges(_ changes: [EncodedBatch.StepChange], to connection: SQLiteConnection) throws(StoreError) {
        let insert = try connection.statement(CommitSQL.insertStep)
        let complete = try connection.statement(CommitSQL.completeStep)
        let fail = try connection.statement(CommitSQL.failStep)
        for change in changes {
            switch change {
            case .scheduled(let instanceId, let taskId, let attempt, let stepId, let input, let at, let historySequence):
                try insert.bind(1, instanceId)
                try insert.bind(2, taskId)
                try insert.bind(3, attempt)
                try insert.bind(4, stepId)
                try insert.bind(5, text: input)
                try insert.bind(6, at)
                try insert.bind(7, historySequence)
                do {
                    try insert.run()
                } catch where error.code == .conflict {
                    throw StoreError(.conflict, "task '\(taskId)' attempt \(attempt) of instance '\(instanceId)' was scheduled already", underlyingCode: error.underlyingCode)
                }
            case .completed(let instanceId, let taskId, let attempt, let output, let at):
                try finish(complete, instanceId: instanceId, taskId: taskId, attempt: attempt, detail: output, at: at)
            case .failed(let instanceId, let taskId, let attempt, let error, let at):
                try finish(fail, instanceId: instanceId, taskId: taskId, attempt: attempt, detail: error, at: at)
            }
        }
    }

    /// Runs `completeStep` or `failStep`, whose parameters line up.
    private static func finish(_ update: SQLiteStatement, instanceId: String, taskId: String, attempt: Int?, detail: [UInt8]?, at: Int64) throws(StoreError) {
        try update.bind(1, text: detail)
        try update.bind(2, at)
        try update.bind(3, instanceId)
        try update.bind(4, taskId)
        try update.bind(5, attempt)
        try update.run()
    }
}

/// The statements of the commit path, compiled once per connection.
enum CommitSQL {
    /// An instance's id, workflow and creation time never change, so an update leaves those
    /// columns (and the listing indexes built on them) alone.
    static let insertInstance = """
        INSERT INTO instances (id, workflow_id, workflow_version, status, created_at, updated_at, state, parent_id, business_key, revision)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)
        """
    /// Compare-and-set: changes no row when another writer moved the revision on.
    static let updateInstance = """
        UPDATE instances SET workflow_version = ?2, status = ?3, updated_at = ?4, state = ?5, revision = ?6 + 1
        WHERE id = ?1 AND revision = ?6
        """
    static let upsertPart = """
        INSERT INTO instance_parts (instance_id, part, revision, data) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (instance_id, part) DO UPDATE SET revision = excluded.revision, data = excluded.data
        """
    static let insertHistory = """
        INSERT INTO history (instance_id, sequence, time, type, step_id, task_id, attempt, data, execution_id)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        """
    static let insertStep = """
        INSERT INTO step_executions (instance_id, task_id, attempt, step_id, status, input, scheduled_at, history_sequence)
        VALUES (?1, ?2, ?3, ?4, 'SCHEDULED', ?5, ?6, ?7)
        """
    static let completeStep = """
        UPDATE step_executions SET status = 'COMPLETED', output = ?1, completed_at = ?2
        WHERE instance_id = ?3 AND task_id = ?4 AND (?5 IS NULL OR attempt = ?5)
        """
    static let failStep = """
        UPDATE step_executions SET status = 'FAILED', error = ?1, completed_at = ?2
        WHERE instance_id = ?3 AND task_id = ?4 AND (?5 IS NULL OR attempt = ?5)
        """
    static let insertHeld = "INSERT INTO held_dispatches (gate, topic, key, value, headers, held_at, task_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    static let insertOutbox = "INSERT INTO outbox (topic, key, value, headers, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
    static let insertDedupe = "INSERT INTO dedupe (key, value, created_at) VALUES (?1, ?2, ?3)"
    static let insertDeadLetter = """
        INSERT INTO dead_letters (source_topic, source_partition, source_offset, key, value, headers, reason, message, pointer, created_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        """
    static let markRedriven = "UPDATE dead_letters SET redriven_at = ?1, redrive_count = redrive_count + 1 WHERE id = ?2"
    static let setTimer = "INSERT INTO timers (instance_id, timer_id, fire_at) VALUES (?1, ?2, ?3) ON CONFLICT (instance_id, timer_id) DO UPDATE SET fire_at = excluded.fire_at"
    static let deleteTimer = "DELETE FROM timers WHERE instance_id = ?1 AND timer_id = ?2"
    static let deleteTimerIfAt = "DELETE FROM timers WHERE instance_id = ?1 AND timer_id = ?2 AND fire_at = ?3"
}

/// Wall-clock time for the bookkeeping `created_at` of outbox rows and dedupe marks; `StoreBatch`
/// carries no time of its own, and these columns are for operators, not for decisions.
func wallClockMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
