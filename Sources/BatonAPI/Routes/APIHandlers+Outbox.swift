import BatonExpressions
import BatonRuntime
import BatonStore
import Hummingbird

extension APIHandlers {
    /// `GET /v1/outbox/parked?after=&limit=`: messages Baton wrote but can never publish (larger
    /// than the producer's limit, refused as invalid), oldest first; `nextAfter` is the `after`
    /// of the next page (null on the last). The values are not shown, only their size.
    @Sendable func listParkedOutbox(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let after = Int64(try IntegerParameter.parse(request.query("after"), name: "after", range: 0...Int.max, default: 0))
        let limit = try IntegerParameter.parse(request.query("limit"), name: "limit", range: 1...1000, default: 100)
        let rows = try await service.parkedOutbox(afterSequence: after, limit: limit)
        return .json([
            "items": .array(rows.map(ParkedOutboxView.render)),
            "nextAfter": rows.count == limit ? rows.last.map { .number(Double($0.sequence)) } ?? .null : .null,
        ])
    }
}

/// A parked outbox message as the API shows it: where it was going, why it cannot go, its size.
enum ParkedOutboxView {
    static func render(_ row: ParkedOutboxMessage) -> JSONValue {
        let key = row.key.map { String(validating: $0, as: UTF8.self).map(JSONValue.string) ?? .string(DeadLetterView.base64($0)) }
        return [
            "sequence": .number(Double(row.sequence)),
            "topic": .string(row.topic),
            "key": key ?? .null,
            "recordBytes": .number(Double(row.recordBytes)),
            "headers": .array(row.headers.map { .string($0.key) }),
            "reason": .string(row.reason),
            "message": .string(row.message),
            "parkedAt": .string(row.parkedAt.iso8601),
        ]
    }
}
