import BatonCore
import BatonExpressions
import BatonRuntime
import BatonStore
import Hummingbird

extension APIHandlers {
    /// Longest `Idempotency-Key` accepted, in UTF-8 bytes (the service enforces the same bound).
    static var maxIdempotencyKeyBytes: Int { 255 }
    /// Default and maximum page sizes; the documented defaults in `schemas/openapi.yaml` match these.
    static var defaultInstancePageSize: Int { 50 }
    static var defaultHistoryPageSize: Int { 100 }
    static var maxPageSize: Int { 1000 }

    /// `POST /v1/workflows/{id}/instances`: the body (JSON, empty means `{}`) is the input.
    ///
    /// With `Idempotency-Key`, a retried request answers 200 with the instance the first one
    /// created instead of starting another, so clients can retry a timed-out POST safely.
    @Sendable func startInstance(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let workflowId = try context.pathParameter("id")
        var version: Int?
        if let raw = request.query("version") {
            version = try IntegerParameter.parse(raw, name: "version", range: 1...Int.max)
        }
        let idempotencyKey = request.header("Idempotency-Key")
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > Self.maxIdempotencyKeyBytes {
            throw Problem.invalidParameter("Idempotency-Key", "must be 1 to \(Self.maxIdempotencyKeyBytes) bytes long")
        }
        let input = try await request.readJSONBody(limit: configuration.maxInputBytes, empty: [:])
        // W3C Trace Context: the workflow joins the caller's trace; an invalid header begins a new one.
        let trace = request.header("traceparent").flatMap { TraceContext(traceparent: $0, tracestate: request.header("tracestate")) }
        let started = try await service.startInstance(workflowId: workflowId, version: version, input: input, idempotencyKey: idempotencyKey, trace: trace)
        return .json(
            InstanceView.render(started.instance), status: started.created ? .created : .ok,
            headers: [.location: InstanceView.location(id: started.instance.id)]
        )
    }

    /// `GET /v1/instances/{id}`.
    @Sendable func instance(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        .json(InstanceView.render(try await service.instance(id: try context.pathParameter("id"))))
    }

    /// `GET /v1/instances?workflowId=&status=&parentId=&cursor=&limit=`: newest first, one page,
    /// of the instances the caller may read.
    @Sendable func listInstances(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        var status: InstanceStatus?
        if let raw = request.query("status") {
            guard let parsed = InstanceStatus(rawValue: raw.uppercased()) else {
                let allowed = InstanceStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw Problem.invalidParameter("status", "must be one of \(allowed), got '\(raw)'")
            }
            status = parsed
        }
        let query = InstanceQuery(
            workflowId: request.query("workflowId").flatMap { $0.isEmpty ? nil : $0 },
            status: status,
            parentId: request.query("parentId").flatMap { $0.isEmpty ? nil : $0 },
            cursor: request.query("cursor").flatMap { $0.isEmpty ? nil : $0 },
            limit: try IntegerParameter.parse(request.query("limit"), name: "limit", range: 1...Self.maxPageSize, default: Self.defaultInstancePageSize)
        )
        let page = try await service.instances(query)
        // Filtered to the caller's workflows: a page may then hold fewer than `limit` items;
        // `nextCursor` still says whether more follow.
        let visible = page.instances.filter { context.mayList(.instancesRead, workflow: $0.workflowId) }
        return .json([
            "items": .array(visible.map(InstanceView.render)),
            "nextCursor": page.nextCursor.map(JSONValue.string) ?? .null,
        ])
    }

    /// `GET /v1/instances/{id}/history?after=&limit=`: events after sequence `after`, ascending.
    ///
    /// Asks for one event more than the page holds, so `nextAfter` is null exactly when there is
    /// nothing more to read (no empty last page).
    @Sendable func history(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.pathParameter("id")
        let after = try IntegerParameter.parse(request.query("after"), name: "after", range: 0...Int.max, default: 0)
        let limit = try IntegerParameter.parse(request.query("limit"), name: "limit", range: 1...Self.maxPageSize, default: Self.defaultHistoryPageSize)
        let events = try await service.history(instanceId: id, afterSequence: after, limit: limit + 1)
        let page = events.prefix(limit)
        let nextAfter: JSONValue = events.count > limit ? .number(Double(page.last!.sequence)) : .null
        return .json(["items": .array(page.map(\.json)), "nextAfter": nextAfter])
    }

    /// `GET /v1/instances/{id}/steps`: every task attempt, in scheduling order.
    @Sendable func stepExecutions(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let executions = try await service.stepExecutions(instanceId: try context.pathParameter("id"))
        return .json(["items": .array(executions.map(StepExecutionView.render))])
    }

    /// `POST /v1/instances/{id}/cancel` with an optional `{"reason": "..."}` body.
    ///
    /// The caller is recorded in history as who cancelled (see `APIRequestContext.actor`).
    @Sendable func cancelInstance(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.pathParameter("id")
        let command = try await operatorCommand(request, context)
        let instance = try await service.cancelInstance(id: id, reason: command.reason ?? Self.defaultCancelReason, by: command.actor)
        return .json(InstanceView.render(instance))
    }

    /// What every operator command's request carries: a JSON object body (empty allowed) with an
    /// optional string `reason`; the caller is recorded as who asked.
    private func operatorCommand(_ request: Request, _ context: APIRequestContext) async throws -> (members: [String: JSONValue], reason: String?, actor: String) {
        let body = try await request.readJSONBody(limit: configuration.maxBodyBytes, empty: [:])
        guard case .object(let members) = body else {
            throw Problem(.invalidInput, "The body must be a JSON object such as {\"reason\": \"...\"}, not \(body.typeName == "array" ? "an" : "a") \(body.typeName).", errors: [ProblemItem(message: "expected an object, found \(body.typeName)", pointer: "")])
        }
        var reason: String?
        switch members["reason"] {
        case nil, .null?: break
        case .string(let text)?: reason = text
        case let other?:
            throw Problem(.invalidInput, "'reason' must be a string.", errors: [ProblemItem(message: "expected a string, found \(other.typeName)", pointer: "/reason")])
        }
        return (members, reason, try context.actor(request))
    }

    /// `POST /v1/instances/{id}/pause`, `/resume`, `/retry`: an optional `{"reason": "..."}` body;
    /// `POST /v1/instances/{id}/rerun`: `{"fromStep": "...", "input": …, "reason": "..."}`.
    /// The caller is recorded in history as who asked.
    func operation(_ make: @escaping @Sendable ([String: JSONValue]) throws -> InstanceOperation) -> @Sendable (Request, APIRequestContext) async throws -> Response {
        { [self] request, context in
            let id = try context.pathParameter("id")
            let command = try await operatorCommand(request, context)
            let operation = try make(command.members)
            let reason = command.reason ?? "\(operation.name) through the API"
            let instance = try await service.operate(operation, id: id, reason: reason, by: command.actor)
            return .json(InstanceView.render(instance))
        }
    }

    static func rerunOperation(_ members: [String: JSONValue]) throws -> InstanceOperation {
        guard case .string(let step)? = members["fromStep"], !step.isEmpty else {
            throw Problem(.invalidInput, "'fromStep' is required: the id of the step to rerun from.", errors: [ProblemItem(message: "expected a non-empty string", pointer: "/fromStep")])
        }
        return .rerun(step: step, input: members["input"])
    }

    /// Recorded when a cancel request gives no reason.
    static var defaultCancelReason: String { "cancelled through the API" }
}
