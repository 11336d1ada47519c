import BatonCore
import BatonSecurity
import BatonStore

extension SQLiteStore: AuditStore {
    static let auditColumns = "sequence, time, actor, action, target, outcome, request_id, source, detail, previous_hash, hash"

    /// On the writer: the last record and the new one in one transaction.
    public func appendAudit(_ entry: AuditEntry) async throws(StoreError) -> AuditRecord {
        try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let last = try connection.withStatement("SELECT \(Self.auditColumns) FROM audit_log ORDER BY sequence DESC LIMIT 1") { statement throws(StoreError) in
                    try statement.step() ? Self.readAudit(statement) : nil
                }
                let record = AuditChain.record(after: last, entry)
                try connection.withStatement("INSERT INTO audit_log (\(Self.auditColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)") { statement throws(StoreError) in
                    try statement.bind(1, record.sequence)
                    try statement.bind(2, entry.time.milliseconds)
                    try statement.bind(3, entry.actor)
                    try statement.bind(4, entry.action)
                    try statement.bind(5, entry.target)
                    try statement.bind(6, entry.outcome)
                    try statement.bind(7, entry.requestId)
                    try statement.bind(8, entry.source)
                    try statement.bind(9, entry.detail)
                    try statement.bind(10, blob: record.previousHash)
                    try statement.bind(11, blob: record.hash)
                    try statement.run()
                }
                return record
            }
        }
    }

    public func auditRecords(_ query: AuditQuery) async throws(StoreError) -> [AuditRecord] {
        guard (1...10_000).contains(query.limit) else { throw StoreError(.invalid, "limit must be between 1 and 10000, got \(query.limit)") }
        return try await performRead { connection throws(StoreError) in
            let sql = """
                SELECT \(Self.auditColumns) FROM audit_log WHERE sequence > ?1 AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR action = ?3)
                AND (?4 IS NULL OR substr(target, 1, length(?4)) = ?4) AND (?5 IS NULL OR time >= ?5) AND (?6 IS NULL OR time < ?6)
                ORDER BY sequence LIMIT ?7
                """
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, query.afterSequence)
                try statement.bind(2, query.actor)
                try statement.bind(3, query.action)
                try statement.bind(4, query.targetPrefix)
                try statement.bind(5, query.from.map { Int($0.milliseconds) })
                try statement.bind(6, query.until.map { Int($0.milliseconds) })
                try statement.bind(7, query.limit)
                var records: [AuditRecord] = []
                while try statement.step() { records.append(Self.readAudit(statement)) }
                return records
            }
        }
    }

    static func readAudit(_ statement: SQLiteStatement) -> AuditRecord {
        AuditRecord(
            sequence: statement.int64(0),
            entry: AuditEntry(
                time: Timestamp(milliseconds: statement.int64(1)), actor: statement.string(2), action: statement.string(3), target: statement.string(4),
                outcome: statement.string(5), requestId: statement.string(6), source: statement.string(7), detail: statement.string(8)),
            previousHash: statement.blob(9), hash: statement.blob(10))
    }
}
