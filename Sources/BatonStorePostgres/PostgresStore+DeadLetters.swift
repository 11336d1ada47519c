import BatonCore
import BatonStore
import PostgresNIO

extension PostgresStore {
    /// - Throws: `.invalid` for a limit outside 1...1000.
    public func deadLetters(_ query: DeadLetterQuery) async throws(StoreError) -> [DeadLetterRecord] {
        guard (1...1000).contains(query.limit) else { throw StoreError(.invalid, "limit must be between 1 and 1000, got \(query.limit)") }
        let rows = try await run("list dead letters") { [self] connection in
            try await connection.query("""
                SELECT \(unescaped: Self.deadLetterColumns) FROM dead_letters
                WHERE id > \(query.afterId) AND (\(query.reason)::text IS NULL OR reason = \(query.reason))
                  AND (\(query.sourceTopic)::text IS NULL OR source_topic = \(query.sourceTopic))
                  AND (\(query.pending)::boolean IS NULL OR (\(query.pending) AND redriven_at IS NULL) OR (NOT \(query.pending) AND redriven_at IS NOT NULL))
                ORDER BY id LIMIT \(query.limit)
                """, logger: logger).collect()
        }
        var records: [DeadLetterRecord] = []
        for row in rows { records.append(try deadLetter(row)) }
        return records
    }

    public func deadLetter(id: Int64) async throws(StoreError) -> DeadLetterRecord? {
        let rows = try await run("read dead letter \(id)") { [self] connection in
            try await connection.query("SELECT \(unescaped: Self.deadLetterColumns) FROM dead_letters WHERE id = \(id)", logger: logger).collect()
        }
        return try rows.first.map { row throws(StoreError) in try deadLetter(row) }
    }

    static let deadLetterColumns =
        "id, source_topic, source_partition, source_offset, key, value, headers, reason, message, pointer, created_at, redriven_at, redrive_count"

    private func deadLetter(_ row: PostgresRow) throws(StoreError) -> DeadLetterRecord {
        let (id, sourceTopic, sourcePartition, sourceOffset, key, value, headers, reason, message, pointer, createdAt, redrivenAt, redriveCount) = try decode(
            row, (Int64, String, Int32, Int64, ByteBuffer?, ByteBuffer, ByteBuffer?, String, String, String?, Int64, Int64?, Int).self, "a dead letter")
        return DeadLetterRecord(
            id: id, sourceTopic: sourceTopic, sourcePartition: sourcePartition, sourceOffset: sourceOffset,
            key: key?.bytes, value: value.bytes, headers: try OutboxHeaderCoding.decode(headers?.bytes, sequence: id),
            reason: reason, message: message, pointer: pointer, createdAt: Timestamp(milliseconds: createdAt),
            redrivenAt: redrivenAt.map { Timestamp(milliseconds: $0) }, redriveCount: redriveCount)
    }
}
