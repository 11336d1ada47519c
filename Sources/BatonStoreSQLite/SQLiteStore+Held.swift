import BatonCore
import BatonStore

extension SQLiteStore {
    /// One write transaction: refill the gate's bucket, move as many of its oldest held rows as
    /// it allows into the outbox (new sequences, so they go out after what is already there),
    /// store the bucket.
    public func releaseHeld(_ request: ReleaseRequest) async throws(StoreError) -> [OutboxMessage] {
        try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                var bucket = try connection.withStatement("SELECT tokens, refilled_at FROM dispatch_buckets WHERE gate = ?1") { statement throws(StoreError) -> TokenBucket? in
                    try statement.bind(1, request.gate)
                    guard try statement.step() else { return nil }
                    return TokenBucket(tokens: statement.double(0), refilledAt: Timestamp(milliseconds: statement.int64(1)))
                } ?? .full(request)
                let allowed = bucket.take(request, waiting: request.limit)
                let released = allowed > 0 ? try Self.moveHeld(gate: request.gate, limit: allowed, connection) : []
                // Tokens not used (fewer rows than allowed) stay in the bucket.
                bucket.tokens += Double(allowed - released.count)
                try connection.withStatement("""
                    INSERT INTO dispatch_buckets (gate, tokens, refilled_at) VALUES (?1, ?2, ?3)
                    ON CONFLICT (gate) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at
                    """) { statement throws(StoreError) in
                    try statement.bind(1, request.gate)
                    try statement.bind(2, bucket.tokens)
                    try statement.bind(3, bucket.refilledAt.milliseconds)
                    try statement.run()
                }
                return released
            }
        }
    }

    /// Moves the oldest `limit` held rows of `gate` into the outbox (inside the caller's
    /// transaction) and returns the outbox rows with their sequences.
    static func moveHeld(gate: String, limit: Int, _ connection: SQLiteConnection) throws(StoreError) -> [OutboxMessage] {
        var rows: [(sequence: Int64, message: OutboxMessage)] = []
        try connection.withStatement("SELECT sequence, topic, key, value, headers FROM held_dispatches WHERE gate = ?1 ORDER BY sequence LIMIT ?2") {
            statement throws(StoreError) in
            try statement.bind(1, gate)
            try statement.bind(2, limit)
            while try statement.step() {
                let sequence = statement.int64(0)
                let headers = try OutboxHeaderCoding.decode(statement.optionalBlob(4), sequence: sequence)
                rows.append((sequence, OutboxMessage(topic: statement.string(1), key: statement.optionalBlob(2), value: statement.blob(3), headers: headers)))
            }
        }
        guard !rows.isEmpty else { return [] }
        let delete = try connection.statement("DELETE FROM held_dispatches WHERE sequence = ?1")
        for (sequence, _) in rows {
            try delete.bind(1, sequence)
            try delete.run()
        }
        return try insertOutbox(rows.map(\.message), connection)
    }

    /// Inserts outbox rows (inside the caller's transaction), in order, and returns them with
    /// their sequences.
    static func insertOutbox(_ messages: [OutboxMessage], _ connection: SQLiteConnection) throws(StoreError) -> [OutboxMessage] {
        let sequences = try insertOutbox(messages.map(EncodedBatch.Outbox.init), connection)
        return zip(messages, sequences).map { message, sequence in
            var row = message
            row.sequence = sequence
            return row
        }
    }

    /// The one statement that writes outbox rows (a commit's, released held requests, breaker
    /// announcements), inside the caller's transaction; returns their sequences in row order.
    static func insertOutbox(_ rows: [EncodedBatch.Outbox], _ connection: SQLiteConnection) throws(StoreError) -> [Int64] {
        guard !rows.isEmpty else { return [] }
        var sequences: [Int64] = []
        sequences.reserveCapacity(rows.count)
        let insert = try connection.statement(CommitSQL.insertOutbox)
        let now = wallClockMilliseconds()
        for row in rows {
            try insert.bind(1, row.topic)
            try insert.bind(2, blob: row.key)
            try insert.bind(3, blob: row.value)
            try insert.bind(4, blob: row.headers)
            try insert.bind(5, now)
            try insert.run()
            sequences.append(connection.lastInsertRowID)
        }
        return sequences
    }

    public func heldCounts() async throws(StoreError) -> [String: Int] {
        try await performRead { connection throws(StoreError) in
            try connection.withStatement("SELECT gate, COUNT(*) FROM held_dispatches GROUP BY gate") { statement throws(StoreError) in
                var counts: [String: Int] = [:]
                while try statement.step() { counts[statement.string(0)] = statement.int(1) }
                return counts
            }
        }
    }
}
