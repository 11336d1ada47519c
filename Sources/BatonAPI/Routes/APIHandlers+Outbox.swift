import BatonExpressions
import BatonRuntime
import BatonStore
import Hummingbird

extension APIHandlers {
    /// `GET /v1/outbox/parked?after=&limit=`: messages Baton wrote but can never publish (larger
    /// than the producer's limit, refused as invalid), oldest first; `nextAfter` is the `after`
    /// of the next page (null on the last). The values are not shown, only their size.
    @Sendable func listParkedOutbox(_ request: Request, _ context: APIRequestContext) async throws -> Response {
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

extension APIHandlers {
    /// `GET /v1/circuits`: every task type's circuit breaker, its policy, the failures in its
    /// window and the requests it holds.
    @Sendable func listCircuits(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let breakers = try await service.circuitBreakers()
        return .json(["items": .array(breakers.map(CircuitView.render))])
    }
}

/// A circuit breaker as the API shows it.
enum CircuitView {
    static func render(_ status: CircuitBreakerStatus) -> JSONValue {
        [
            "taskType": .string(status.record.taskType),
            "state": .string(status.record.state.rawValue),
            "failuresInWindow": .number(Double(status.failuresInWindow)),
            "held": .number(Double(status.held)),
            "openedAt": status.record.openedAt.map { .string($0.iso8601) } ?? .null,
            "changedAt": .string(status.record.changedAt.iso8601),
            "policy": [
                "failures": .number(Double(status.policy.failures)),
                "windowMs": .number(Double(status.policy.windowMilliseconds)),
                "coolDownMs": .number(Double(status.policy.coolDownMilliseconds)),
            ],
        ]
    }
}
