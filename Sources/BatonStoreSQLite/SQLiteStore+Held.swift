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
        var released: [OutboxMessage] = []
        let delete = try connection.statement("DELETE FROM held_dispatches WHERE sequence = ?1")
        for (sequence, message) in rows {
            released.append(try insertOutbox(message, connection))
            try delete.bind(1, sequence)
            try delete.run()
        }
        return released
    }

    /// Inserts one outbox row (inside the caller's transaction) and returns it with its sequence.
    static func insertOutbox(_ message: OutboxMessage, _ connection: SQLiteConnection) throws(StoreError) -> OutboxMessage {
        let insert = try connection.statement(CommitSQL.insertOutbox)
        try insert.bind(1, message.topic)
        try insert.bind(2, blob: message.key)
        try insert.bind(3, blob: message.value)
        try insert.bind(4, blob: OutboxHeaderCoding.encode(message.headers))
        try insert.bind(5, wallClockMilliseconds())
        try insert.run()
        var row = message
        row.sequence = connection.lastInsertRowID
        return row
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
