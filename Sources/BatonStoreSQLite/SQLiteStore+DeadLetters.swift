import BatonCore
import BatonStore

extension SQLiteStore {
    /// - Throws: `.invalid` for a limit outside 1...1000.
    public func deadLetters(_ query: DeadLetterQuery) async throws(StoreError) -> [DeadLetterRecord] {
        guard (1...1000).contains(query.limit) else { throw StoreError(.invalid, "limit must be between 1 and 1000, got \(query.limit)") }
        return try await performRead { connection throws(StoreError) in
            try connection.withStatement("""
                SELECT \(Self.deadLetterColumns) FROM dead_letters
                WHERE id > ?1 AND (?2 IS NULL OR reason = ?2) AND (?3 IS NULL OR source_topic = ?3)
                  AND (?4 IS NULL OR (?4 = 1 AND redriven_at IS NULL) OR (?4 = 0 AND redriven_at IS NOT NULL))
                ORDER BY id LIMIT ?5
                """) { statement throws(StoreError) in
                try statement.bind(1, query.afterId)
                try statement.bind(2, query.reason)
                try statement.bind(3, query.sourceTopic)
                try statement.bind(4, query.pending.map { $0 ? 1 : 0 })
                try statement.bind(5, query.limit)
                var records: [DeadLetterRecord] = []
                while try statement.step() { records.append(try Self.deadLetter(from: statement)) }
                return records
            }
        }
    }

    public func deadLetter(id: Int64) async throws(StoreError) -> DeadLetterRecord? {
        try await performRead { connection throws(StoreError) in
            try connection.withStatement("SELECT \(Self.deadLetterColumns) FROM dead_letters WHERE id = ?1") { statement throws(StoreError) in
                try statement.bind(1, id)
                return try statement.step() ? try Self.deadLetter(from: statement) : nil
            }
        }
    }

    static let deadLetterColumns =
        "id, source_topic, source_partition, source_offset, key, value, headers, reason, message, pointer, created_at, redriven_at, redrive_count"

    static func deadLetter(from statement: SQLiteStatement) throws(StoreError) -> DeadLetterRecord {
        let id = statement.int64(0)
        return DeadLetterRecord(
            id: id, sourceTopic: statement.string(1), sourcePartition: Int32(clamping: statement.int64(2)), sourceOffset: statement.int64(3),
            key: statement.optionalBlob(4), value: statement.blob(5),
            headers: try OutboxHeaderCoding.decode(statement.optionalBlob(6), sequence: id),
            reason: statement.string(7), message: statement.string(8), pointer: statement.isNull(9) ? nil : statement.string(9),
            createdAt: Timestamp(milliseconds: statement.int64(10)),
            redrivenAt: statement.isNull(11) ? nil : Timestamp(milliseconds: statement.int64(11)), redriveCount: Int(statement.int64(12))
        )
    }
}
