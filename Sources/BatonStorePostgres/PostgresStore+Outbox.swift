import BatonCore
import BatonStore
import PostgresNIO

extension PostgresStore {
    /// - Throws: `.invalid` for a limit below 1.
    public func pendingOutbox(limit: Int) async throws(StoreError) -> [OutboxMessage] {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        let rows = try await run("read the outbox") { [self] connection in
            try await connection.query("SELECT sequence, topic, key, value, headers FROM outbox ORDER BY sequence LIMIT \(limit)", logger: logger).collect()
        }
        return try outboxMessages(rows)
    }

    /// Deletes the rows; unknown sequences (already removed) are ignored, so a relay that retries
    /// after a crash does no harm. The relay publishes in sequence order, so the sequences are
    /// almost always one contiguous run: a range delete per run.
    public func markOutboxSent(_ sequences: [Int64]) async throws(StoreError) {
        guard !sequences.isEmpty else { return }
        let runs = contiguousRuns(sequences)
        try await transaction("remove published outbox rows") { [self] connection in
            for run in runs {
                try await connection.query("DELETE FROM outbox WHERE sequence BETWEEN \(run.lowerBound) AND \(run.upperBound)", logger: logger)
            }
        }
    }

    public func outboxCount() async throws(StoreError) -> Int {
        try await run("count the outbox") { [self] connection in
            for try await count in try await connection.query("SELECT COUNT(*) FROM outbox", logger: logger).decode(Int.self) { return count }
            return 0
        }
    }

    /// Moves the rows into `outbox_parked` in one transaction.
    public func parkOutbox(_ rows: [ParkedOutboxMessage]) async throws(StoreError) {
        guard !rows.isEmpty else { return }
        try await transaction("park outbox rows") { [self] connection in
            for row in rows {
                try await connection.query("""
                    INSERT INTO outbox_parked (sequence, topic, key, value, headers, reason, message, parked_at)
                    SELECT sequence, topic, key, value, headers, \(row.reason), \(row.message), \(row.parkedAt.milliseconds) FROM outbox WHERE sequence = \(row.sequence)
                    ON CONFLICT (sequence) DO NOTHING
                    """, logger: logger)
                try await connection.query("DELETE FROM outbox WHERE sequence = \(row.sequence)", logger: logger)
            }
        }
    }

    public func parkedOutbox(afterSequence: Int64, limit: Int) async throws(StoreError) -> [ParkedOutboxMessage] {
        guard (1...1000).contains(limit) else { throw StoreError(.invalid, "limit must be between 1 and 1000, got \(limit)") }
        let rows = try await run("read parked outbox rows") { [self] connection in
            try await connection.query("""
                SELECT sequence, topic, key, value, headers, reason, message, parked_at FROM outbox_parked
                WHERE sequence > \(afterSequence) ORDER BY sequence LIMIT \(limit)
                """, logger: logger).collect()
        }
        var parked: [ParkedOutboxMessage] = []
        for row in rows {
            let (sequence, topic, key, value, headers, reason, message, parkedAt) =
                try decode(row, (Int64, String, ByteBuffer?, ByteBuffer, ByteBuffer?, String, String, Int64).self, "a parked outbox row")
            let original = OutboxMessage(
                sequence: sequence, topic: topic, key: key?.bytes, value: value.bytes,
                headers: try OutboxHeaderCoding.decode(headers?.bytes, sequence: sequence))
            parked.append(ParkedOutboxMessage(original, reason: reason, message: message, parkedAt: Timestamp(milliseconds: parkedAt)))
        }
        return parked
    }

    /// - Throws: `.invalid` for a limit below 1.
    public func dueTimers(until: Timestamp, limit: Int) async throws(StoreError) -> [DueTimer] {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        if ownership == .shared { return try await claimDueTimers(until: until, limit: limit) }
        return try await run("read due timers") { [self] connection in
            var due: [DueTimer] = []
            let rows = try await connection.query("""
                SELECT instance_id, timer_id, fire_at FROM timers WHERE fire_at <= \(until.milliseconds)
                ORDER BY fire_at, instance_id, timer_id LIMIT \(limit)
                """, logger: logger)
            for try await (instanceId, timerId, fireAt) in rows.decode((String, String, Int64).self) {
                due.append(DueTimer(instanceId: instanceId, timerId: timerId, fireAt: Timestamp(milliseconds: fireAt)))
            }
            return due
        }
    }

    public func nextTimerAt() async throws(StoreError) -> Timestamp? {
        try await run("read the next timer") { [self] connection in
            // With several processes, timers another one has claimed are its to fire.
            let query: PostgresQuery = ownership == .shared
                ? "SELECT MIN(fire_at) FROM timers WHERE claimed_until < \(unescaped: Self.databaseNow)"
                : "SELECT MIN(fire_at) FROM timers"
            for try await fireAt in try await connection.query(query, logger: logger).decode(Int64?.self) {
                return fireAt.map { Timestamp(milliseconds: $0) }
            }
            return nil
        }
    }
}

extension PostgresStore {
    /// One round trip: the instance count walks `instances_by_status` for the unfinished statuses
    /// only, however many finished instances the database keeps.
    public func gauges() async throws(StoreError) -> StoreGauges {
        let statuses = StoreGauges.unfinishedStatuses.map(\.rawValue)
        let (rows, totals) = try await run("count instances, timers, outbox rows and dead letters") { [self] connection in
            var rows: [(String, String, Int)] = []
            let result = try await connection.query("""
                SELECT workflow_id, status, COUNT(*)::BIGINT FROM instances WHERE status = ANY(\(statuses))
                GROUP BY workflow_id, status ORDER BY workflow_id, status
                """, logger: logger)
            for try await row in result.decode((String, String, Int).self) { rows.append(row) }
            var totals = (0, 0, 0)
            let counts = try await connection.query(
                "SELECT (SELECT COUNT(*) FROM timers), (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM dead_letters)", logger: logger)
            for try await row in counts.decode((Int, Int, Int).self) { totals = row }
            return (rows, totals)
        }
        return StoreGauges(
            unfinished: rows.compactMap { workflowId, status, count in
                InstanceStatus(rawValue: status).map { StoreGauges.UnfinishedCount(workflowId: workflowId, status: $0, count: count) }
            },
            timers: totals.0, outbox: totals.1, deadLetters: totals.2
        )
    }
}
