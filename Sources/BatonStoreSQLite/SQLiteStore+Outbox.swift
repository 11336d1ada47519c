import BatonCore
import BatonStore

extension SQLiteStore {
    /// - Throws: `.invalid` for a limit below 1.
    public func pendingOutbox(limit: Int) async throws(StoreError) -> [OutboxMessage] {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        return try await perform { connection throws(StoreError) in try Self.outboxRows(after: 0, limit: limit, on: connection) }
    }

    /// Unpublished rows after `sequence`, in order (the relay reads from 0; a store copy pages).
    static func outboxRows(after sequence: Int64, limit: Int, on connection: SQLiteConnection) throws(StoreError) -> [OutboxMessage] {
        try connection.withStatement("SELECT sequence, topic, key, value, headers FROM outbox WHERE sequence > ?1 ORDER BY sequence LIMIT ?2") { statement throws(StoreError) in
            try statement.bind(1, sequence)
            try statement.bind(2, limit)
            var messages: [OutboxMessage] = []
            while try statement.step() {
                let sequence = statement.int64(0)
                messages.append(OutboxMessage(
                    sequence: sequence, topic: statement.string(1), key: statement.optionalBlob(2), value: statement.blob(3),
                    headers: try OutboxHeaderCoding.decode(statement.optionalBlob(4), sequence: sequence)))
            }
            return messages
        }
    }

    /// Deletes the rows in one transaction; unknown sequences (already removed) are ignored, so a
    /// relay that retries after a crash does no harm.
    ///
    /// The delete is committed with `synchronous=NORMAL` even when the store runs FULL: losing it
    /// to a power cut only republishes messages that carry stable ids (consumers drop them), the
    /// database stays consistent in WAL mode, and the next FULL commit syncs it anyway. That takes
    /// one fsync per relay round off the publication path. If the writer cannot be switched back
    /// to FULL, the store stops rather than go on less durable (see `performRelaxed`).
    public func markOutboxSent(_ sequences: [Int64]) async throws(StoreError) {
        guard !sequences.isEmpty else { return }
        try await performRelaxed { connection throws(StoreError) in
            // The relay publishes in sequence order, so the sequences are almost always one
            // contiguous run: one range delete instead of a primary-key seek per row.
            try connection.transaction { () throws(StoreError) in
                let delete = try connection.statement("DELETE FROM outbox WHERE sequence BETWEEN ?1 AND ?2")
                for run in contiguousRuns(sequences) {
                    try delete.bind(1, run.lowerBound)
                    try delete.bind(2, run.upperBound)
                    try delete.run()
                }
            }
        }
    }

    /// On a reader connection: the intake governor counts every quarter second, and must not
    /// queue behind (or delay) the writer's commits.
    public func outboxCount() async throws(StoreError) -> Int {
        try await performRead { connection throws(StoreError) in
            try connection.withStatement("SELECT COUNT(*) FROM outbox") { statement throws(StoreError) in
                try statement.step() ? statement.int(0) : 0
            }
        }
    }

    /// Moves the rows into `outbox_parked` in one (fully durable) transaction.
    public func parkOutbox(_ rows: [ParkedOutboxMessage]) async throws(StoreError) {
        guard !rows.isEmpty else { return }
        try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let insert = try connection.statement(
                    "INSERT OR IGNORE INTO outbox_parked (sequence, topic, key, value, headers, reason, message, parked_at) SELECT sequence, topic, key, value, headers, ?2, ?3, ?4 FROM outbox WHERE sequence = ?1"
                )
                let delete = try connection.statement("DELETE FROM outbox WHERE sequence = ?1")
                for row in rows {
                    try insert.bind(1, row.sequence)
                    try insert.bind(2, row.reason)
                    try insert.bind(3, row.message)
                    try insert.bind(4, row.parkedAt.milliseconds)
                    try insert.run()
                    try delete.bind(1, row.sequence)
                    try delete.run()
                }
            }
        }
    }

    public func parkedOutbox(afterSequence: Int64, limit: Int) async throws(StoreError) -> [ParkedOutboxMessage] {
        guard (1...1000).contains(limit) else { throw StoreError(.invalid, "limit must be between 1 and 1000, got \(limit)") }
        return try await performRead { connection throws(StoreError) in
            try connection.withStatement(
                "SELECT sequence, topic, key, value, headers, reason, message, parked_at FROM outbox_parked WHERE sequence > ?1 ORDER BY sequence LIMIT ?2"
            ) { statement throws(StoreError) in
                try statement.bind(1, afterSequence)
                try statement.bind(2, limit)
                var rows: [ParkedOutboxMessage] = []
                while try statement.step() {
                    let sequence = statement.int64(0)
                    let row = OutboxMessage(
                        sequence: sequence, topic: statement.string(1), key: statement.optionalBlob(2), value: statement.blob(3),
                        headers: try OutboxHeaderCoding.decode(statement.optionalBlob(4), sequence: sequence))
                    rows.append(ParkedOutboxMessage(row, reason: statement.string(5), message: statement.string(6), parkedAt: Timestamp(milliseconds: statement.int64(7))))
                }
                return rows
            }
        }
    }
}

extension SQLiteStore {
    /// Counted on a reader connection: the instance count walks `instances_by_status` for the
    /// unfinished statuses only, however many finished instances the file keeps.
    public func gauges() async throws(StoreError) -> StoreGauges {
        try await performRead { connection throws(StoreError) in
            var gauges = StoreGauges()
            let statuses = StoreGauges.unfinishedStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            let sql = "SELECT workflow_id, status, COUNT(*) FROM instances WHERE status IN (\(statuses)) GROUP BY workflow_id, status ORDER BY workflow_id, status"
            try connection.withStatement(sql) { statement throws(StoreError) in
                while try statement.step() {
                    guard let status = InstanceStatus(rawValue: statement.string(1)) else { continue }
                    gauges.unfinished.append(.init(workflowId: statement.string(0), status: status, count: statement.int(2)))
                }
            }
            func count(_ table: String) throws(StoreError) -> Int {
                try connection.withStatement("SELECT COUNT(*) FROM \(table)") { statement throws(StoreError) in try statement.step() ? statement.int(0) : 0 }
            }
            gauges.timers = try count("timers")
            gauges.outbox = try count("outbox")
            gauges.deadLetters = try count("dead_letters")
            return gauges
        }
    }
}
