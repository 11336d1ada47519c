import BatonCore
import BatonExpressions
import BatonRuntime
import BatonSecurity
import BatonStore
import Hummingbird

extension APIHandlers {
    /// `GET /v1/audit?actor=&action=&target=&from=&until=&after=&limit=`: audit records in the
    /// order they were written, filtered; `target` matches a prefix (an instance's path finds every
    /// change to it). `nextAfter` is the `after` of the next page (null on the last).
    @Sendable func listAudit(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard let audit else { throw Problem(.notFound, "This server keeps no audit log.") }
        func time(_ name: String) throws(Problem) -> Timestamp? {
            guard let text = request.query(name) else { return nil }
            guard let time = Timestamp(iso8601: text) else { throw Problem.invalidParameter(name, "must be an RFC 3339 time such as 2026-12-08T10:00:00Z, got '\(text)'") }
            return time
        }
        let limit = try IntegerParameter.parse(request.query("limit"), name: "limit", range: 1...1000, default: 100)
        let query = AuditQuery(
            actor: request.query("actor").flatMap { $0.isEmpty ? nil : $0 }, action: request.query("action").flatMap { $0.isEmpty ? nil : $0 },
            targetPrefix: request.query("target").flatMap { $0.isEmpty ? nil : $0 }, from: try time("from"), until: try time("until"),
            afterSequence: Int64(try IntegerParameter.parse(request.query("after"), name: "after", range: 0...Int.max, default: 0)), limit: limit)
        let records: [AuditRecord]
        do {
            records = try await audit.auditRecords(query)
        } catch {
            throw ServiceError(.unavailable, "the audit log could not be read: \(error.message)")
        }
        return .json([
            "items": .array(records.map(AuditView.render)),
            "nextAfter": records.count == limit ? records.last.map { JSONValue.number(Double($0.sequence)) } ?? .null : .null,
        ])
    }
}

/// An audit record as the API shows it, hashes in hex (what `baton audit verify` recomputes).
enum AuditView {
    static func render(_ record: AuditRecord) -> JSONValue {
        let entry = record.entry
        return [
            "sequence": .number(Double(record.sequence)),
            "time": .string(entry.time.iso8601),
            "actor": .string(entry.actor),
            "action": .string(entry.action),
            "target": .string(entry.target),
            "outcome": .string(entry.outcome),
            "requestId": .string(entry.requestId),
            "source": .string(entry.source),
            "detail": .string(entry.detail),
            "previousHash": .string(LowercaseHex.encode(record.previousHash)),
            "hash": .string(LowercaseHex.encode(record.hash)),
        ]
    }
}
