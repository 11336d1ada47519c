import BatonCore
import BatonSecurity
import BatonStore
import NIOCore
import PostgresNIO

extension PostgresStore: AuditStore {
    /// Serialises appends from every process (the chain has one order).
    static let auditLock: Int64 = 0x6261_746F_6E61_7564  // "batonaud"
    static let auditColumns = "sequence, time, actor, action, target, outcome, request_id, source, detail, previous_hash, hash"

    public func appendAudit(_ entry: AuditEntry) async throws(StoreError) -> AuditRecord {
        try await transaction("append to the audit log") { [self] connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.auditLock))", logger: logger)
            let rows = try await connection.query("SELECT \(unescaped: Self.auditColumns) FROM audit_log ORDER BY sequence DESC LIMIT 1", logger: logger).collect()
            let last = try rows.first.map { row in try self.readAudit(row) }
            let record = AuditChain.record(after: last, entry)
            try await connection.query("""
                INSERT INTO audit_log (\(unescaped: Self.auditColumns)) VALUES (\(record.sequence), \(entry.time.milliseconds), \(entry.actor), \(entry.action),
                    \(entry.target), \(entry.outcome), \(entry.requestId), \(entry.source), \(entry.detail), \(Bytea(record.previousHash)), \(Bytea(record.hash)))
                """, logger: logger)
            return record
        }
    }

    public func auditRecords(_ query: AuditQuery) async throws(StoreError) -> [AuditRecord] {
        guard (1...10_000).contains(query.limit) else { throw StoreError(.invalid, "limit must be between 1 and 10000, got \(query.limit)") }
        let (from, until) = (query.from?.milliseconds, query.until?.milliseconds)
        let rows = try await run("read the audit log") { [self] connection in
            try await connection.query("""
                SELECT \(unescaped: Self.auditColumns) FROM audit_log WHERE sequence > \(query.afterSequence)
                AND (\(query.actor)::text IS NULL OR actor = \(query.actor)) AND (\(query.action)::text IS NULL OR action = \(query.action))
                AND (\(query.targetPrefix)::text IS NULL OR left(target, length(\(query.targetPrefix))) = \(query.targetPrefix))
                AND (\(from)::bigint IS NULL OR time >= \(from)) AND (\(until)::bigint IS NULL OR time < \(until))
                ORDER BY sequence LIMIT \(query.limit)
                """, logger: logger).collect()
        }
        var records: [AuditRecord] = []
        for row in rows { records.append(try readAudit(row)) }
        return records
    }

    func readAudit(_ row: PostgresRow) throws(StoreError) -> AuditRecord {
        let (sequence, time, actor, action, target, outcome, requestId, source, detail, previous, hash) = try decode(
            row, (Int64, Int64, String, String, String, String, String, String, String, ByteBuffer, ByteBuffer).self, "an audit record")
        return AuditRecord(
            sequence: sequence,
            entry: AuditEntry(time: Timestamp(milliseconds: time), actor: actor, action: action, target: target, outcome: outcome, requestId: requestId, source: source, detail: detail),
            previousHash: previous.bytes, hash: hash.bytes)
    }
}
