import BatonCore
import BatonStore
import PostgresNIO

extension PostgresStore {
    /// One transaction holding the gate's bucket row (`FOR UPDATE`): releases of several
    /// processes take tokens one after the other, so the rate holds for all of them together.
    /// The held rows are deleted first, which gives the transaction its id before the outbox
    /// sequences are drawn (the shared relay's horizon relies on it, see `OutboxHorizon`).
    public func releaseHeld(_ request: ReleaseRequest) async throws(StoreError) -> [OutboxMessage] {
        try await transaction("release held task requests of \(request.gate)") { [self] connection in
            try await connection.query("""
                INSERT INTO dispatch_buckets (gate, tokens, refilled_at) VALUES (\(request.gate), \(request.burst), \(request.now.milliseconds))
                ON CONFLICT (gate) DO NOTHING
                """, logger: logger)
            var bucket = TokenBucket.full(request)
            for try await (tokens, refilledAt) in try await connection.query(
                "SELECT tokens, refilled_at FROM dispatch_buckets WHERE gate = \(request.gate) FOR UPDATE", logger: logger
            ).decode((Double, Int64).self) {
                bucket = TokenBucket(tokens: tokens, refilledAt: Timestamp(milliseconds: refilledAt))
            }
            let allowed = bucket.take(request, waiting: request.limit)
            let released = allowed > 0 ? try await moveHeld(gate: request.gate, limit: allowed, connection) : []
            bucket.tokens += Double(allowed - released.count)
            try await connection.query(
                "UPDATE dispatch_buckets SET tokens = \(bucket.tokens), refilled_at = \(bucket.refilledAt.milliseconds) WHERE gate = \(request.gate)", logger: logger
            )
            return released
        }
    }

    /// Moves the oldest `limit` held rows of `gate` into the outbox inside the caller's
    /// transaction (deleting them first gives it its id before outbox sequences are drawn).
    func moveHeld(gate: String, limit: Int, _ connection: PostgresConnection) async throws -> [OutboxMessage] {
        let deleted = try await connection.query("""
            DELETE FROM held_dispatches WHERE sequence IN (
                SELECT sequence FROM held_dispatches WHERE gate = \(gate) ORDER BY sequence LIMIT \(limit)
            ) RETURNING sequence, topic, key, value, headers
            """, logger: logger)
        var taken: [(Int64, OutboxMessage)] = []
        for try await (sequence, topic, key, value, headers) in deleted.decode((Int64, String, ByteBuffer?, ByteBuffer, ByteBuffer?).self) {
            taken.append((sequence, OutboxMessage(topic: topic, key: key?.bytes, value: value.bytes, headers: try OutboxHeaderCoding.decode(headers?.bytes, sequence: sequence))))
        }
        return try await insertOutbox(taken.sorted { $0.0 < $1.0 }.map(\.1), connection)
    }

    /// Inserts outbox rows inside the caller's transaction, in order, and returns them with their sequences.
    func insertOutbox(_ rows: [OutboxMessage], _ connection: PostgresConnection) async throws -> [OutboxMessage] {
        let sequences = try await Self.insertOutbox(rows.map(EncodedBatch.Outbox.init), connection, logger: logger)
        return zip(rows, sequences).map { message, sequence in
            var row = message
            row.sequence = sequence
            return row
        }
    }

    public func heldCounts() async throws(StoreError) -> [String: Int] {
        try await run("count held task requests") { [self] connection in
            var counts: [String: Int] = [:]
            for try await (gate, count) in try await connection.query("SELECT gate, COUNT(*) FROM held_dispatches GROUP BY gate", logger: logger).decode((String, Int64).self) {
                counts[gate] = Int(count)
            }
            return counts
        }
    }

    /// The one statement that writes outbox rows (a commit's, released held requests, breaker
    /// announcements), inside the caller's transaction; returns their sequences in row order.
    ///
    /// Identity values are drawn in the SELECT's order, so the sorted sequences are the rows'
    /// order (RETURNING itself promises no order). The filter gives the transaction its id before
    /// the sort hands out the first row, and so before the first sequence is drawn: the shared
    /// relay's horizon relies on it (`OutboxHorizon`; a transaction that writes no instance would
    /// otherwise draw sequences without an id).
    static func insertOutbox(_ rows: [EncodedBatch.Outbox], _ connection: PostgresConnection, logger: Logger) async throws -> [Int64] {
        guard !rows.isEmpty else { return [] }
        var (shards, topics, keys, values, headers) = (Int8Column(), TextColumn(), ByteaColumn(), ByteaColumn(), ByteaColumn())
        for message in rows {
            shards.append(OutboxShards.shard(forKey: message.key))
            topics.append(message.topic)
            keys.append(message.key)
            values.append(message.value)
            headers.append(message.headers)
        }
        let inserted = try await connection.query("""
            INSERT INTO outbox (shard, topic, key, value, headers, created_at)
            SELECT x.shard, x.topic, x.key, x.value, x.headers, \(wallClockMilliseconds())
            FROM unnest(\(shards)::bigint[], \(topics)::text[], \(keys)::bytea[], \(values)::bytea[], \(headers)::bytea[])
                WITH ORDINALITY AS x(shard, topic, key, value, headers, ord)
            WHERE pg_current_xact_id() IS NOT NULL
            ORDER BY x.ord
            RETURNING sequence
            """, logger: logger)
        var sequences: [Int64] = []
        sequences.reserveCapacity(rows.count)
        for try await sequence in inserted.decode(Int64.self) { sequences.append(sequence) }
        return sequences.sorted()
    }
}
