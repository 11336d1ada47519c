import BatonExpressions
import BatonRuntime
import BatonStore
import Hummingbird

extension APIHandlers {
    /// `GET /v1/dead-letters?reason=&topic=&state=pending|redriven|all&after=&limit=`: oldest first;
    /// `nextAfter` is the `after` of the next page (null on the last).
    @Sendable func listDeadLetters(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = try Self.deadLetterQuery(request)
        let records = try await service.deadLetters(query)
        return .json([
            "items": .array(records.map(DeadLetterView.render)),
            "nextAfter": records.count == query.limit ? records.last.map { .number(Double($0.id)) } ?? .null : .null,
        ])
    }

    @Sendable func deadLetter(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        .json(DeadLetterView.render(try await service.deadLetter(id: try Self.deadLetterId(context))))
    }

    /// `POST /v1/dead-letters/{id}/redrive`.
    @Sendable func redriveDeadLetter(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let redriven = try await service.redrive(ids: [try Self.deadLetterId(context)], by: try context.actor(request))
        return .json(DeadLetterView.render(redriven[0]))
    }

    /// `POST /v1/dead-letters/redrive` with `{"ids": [...]}` or a filter `{"reason", "topic"}`
    /// (pending ones only, at most `limit`, default and maximum 1000).
    @Sendable func redriveDeadLetters(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await request.readJSONBody(limit: configuration.maxBodyBytes, empty: [:])
        guard case .object(let members) = body else {
            throw Problem(.invalidInput, "The body must be a JSON object such as {\"reason\": \"UNKNOWN_WORKFLOW\"} or {\"ids\": [1, 2]}.", errors: [ProblemItem(message: "expected an object, found \(body.typeName)", pointer: "")])
        }
        var ids: [Int64] = []
        if let list = members["ids"] {
            guard case .array(let values) = list, !values.isEmpty, values.count <= 1000 else {
                throw Problem(.invalidInput, "'ids' must be an array of 1 to 1000 dead-letter ids.", errors: [ProblemItem(message: "expected a non-empty array of ids", pointer: "/ids")])
            }
            for (index, value) in values.enumerated() {
                guard let id = value.intValue, id > 0 else {
                    throw Problem(.invalidInput, "'ids' must hold positive integers.", errors: [ProblemItem(message: "expected a positive integer, found \(value.serialized())", pointer: "/ids/\(index)")])
                }
                ids.append(Int64(id))
            }
        } else {
            var query = DeadLetterQuery(pending: true, limit: 1000)
            for (name, keyPath) in [("reason", \DeadLetterQuery.reason), ("topic", \DeadLetterQuery.sourceTopic)] {
                switch members[name] {
                case nil, .null?: break
                case .string(let text)?: query[keyPath: keyPath] = text
                case let other?: throw Problem(.invalidInput, "'\(name)' must be a string.", errors: [ProblemItem(message: "expected a string, found \(other.typeName)", pointer: "/\(name)")])
                }
            }
            if let limit = members["limit"] {
                guard let n = limit.intValue, (1...1000).contains(n) else {
                    throw Problem(.invalidInput, "'limit' must be an integer from 1 to 1000.", errors: [ProblemItem(message: "found \(limit.serialized())", pointer: "/limit")])
                }
                query.limit = n
            }
            ids = try await service.deadLetters(query).map(\.id)
        }
        let redriven = try await service.redrive(ids: ids, by: try context.actor(request))
        return .json(["count": .number(Double(redriven.count)), "items": .array(redriven.map(DeadLetterView.render))])
    }

    static func deadLetterQuery(_ request: Request) throws -> DeadLetterQuery {
        var pending: Bool? = true
        switch request.query("state") {
        case nil, "pending": pending = true
        case "redriven": pending = false
        case "all": pending = nil
        case let other?: throw Problem.invalidParameter("state", "must be one of pending, redriven, all, got '\(other)'")
        }
        return DeadLetterQuery(
            reason: request.query("reason").flatMap { $0.isEmpty ? nil : $0 },
            sourceTopic: request.query("topic").flatMap { $0.isEmpty ? nil : $0 },
            pending: pending,
            afterId: Int64(try IntegerParameter.parse(request.query("after"), name: "after", range: 0...Int.max, default: 0)),
            limit: try IntegerParameter.parse(request.query("limit"), name: "limit", range: 1...1000, default: 100)
        )
    }

    static func deadLetterId(_ context: APIRequestContext) throws -> Int64 {
        Int64(try IntegerParameter.parse(try context.pathParameter("id"), name: "id", range: 1...Int.max))
    }
}
