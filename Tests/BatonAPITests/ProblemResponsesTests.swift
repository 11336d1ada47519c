import BatonAPI
import BatonExpressions
import BatonRuntime
import Testing

@Suite("Problem responses")
struct ProblemResponsesTests {
    @Test func anUnknownRouteAnswers404ProblemJSON() async throws {
        try await withAPIServer(Harness().service) { client in
            try expectProblem(try await client.get("/v2/nothing?x=1"), problemDocument(
                "not-found", title: "Resource not found", status: 404, detail: "No route matches GET /v2/nothing.", instance: "/v2/nothing"
            ))
        }
    }

    @Test(arguments: [
        ("DELETE", "/v1/instances/inst-1", "GET"),
        ("PUT", "/v1/definitions", "POST, GET"),
        ("GET", "/v1/instances/inst-1/cancel", "POST"),
        ("POST", "/readyz", "GET"),
        // A literal segment is not a capture: redrive is not dead letter {id} (its GET).
        ("GET", "/v1/dead-letters/redrive", "POST"),
        ("OPTIONS", "/v1/dead-letters/redrive", "POST"),
        ("PUT", "/v1/dead-letters/7", "GET"),
    ])
    func aKnownPathWithAnotherMethodAnswers405WithAllow(method: String, path: String, allow: String) async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.send(method, path)
            #expect(response.header("Allow") == allow)
            try expectProblem(response, problemDocument(
                "method-not-allowed", title: "Method not allowed", status: 405,
                detail: "\(path) does not support \(method); use \(allow).", instance: path
            ))
        }
    }

    @Test func aBodyOverTheLimitAnswers413WhetherDeclaredOrChunked() async throws {
        let configuration = APIConfiguration(maxBodyBytes: 64)
        try await withAPIServer(Harness().service, configuration: configuration) { client in
            let big = Array(JSONValue.object(["padding": .string(String(repeating: "x", count: 100))]).serializedBytes())
            let expected = problemDocument(
                "content-too-large", title: "Request body too large", status: 413,
                detail: "The request body is larger than the limit of 64 bytes.", instance: "/v1/workflows/order/instances"
            )
            try expectProblem(try await client.send("POST", "/v1/workflows/order/instances", headers: [("Content-Type", "application/json")], body: big), expected)
            try expectProblem(try await client.send("POST", "/v1/workflows/order/instances", headers: [("Content-Type", "application/json")], body: big, chunked: true), expected)
        }
    }

    @Test func aBodyOfExactlyTheLimitIsAccepted() async throws {
        try await withAPIServer(Harness().service, configuration: APIConfiguration(maxBodyBytes: 64)) { client in
            let exact = String(repeating: " ", count: 62) + "{}"
            let atLimit = try await client.post("/v1/instances/nope/cancel", text: exact, contentType: "application/json")
            let overLimit = try await client.post("/v1/instances/nope/cancel", text: " " + exact, contentType: "application/json")
            // 404 comes from the service: the body passed the limit and reached it.
            #expect(atLimit.status == 404)
            #expect(overLimit.status == 413)
        }
    }

    @Test func aBodyOfWhiteSpaceOnlyIsMalformedJSONNotAnEmptyBody() async throws {
        try await withAPIServer(Harness().service) { client in
            let blank = try await client.post("/v1/instances/nope/cancel", text: "\n ", contentType: "application/json")
            #expect(blank.status == 400)
            #expect(try blank.json()["type"] == "https://baton.dev/problems/malformed-json")
            // No body at all is still the empty command.
            #expect(try await client.send("POST", "/v1/instances/nope/cancel").status == 404)
        }
    }

    /// The HTTP parser refuses these before any route runs; they used to get an empty 400.
    @Test func aHeaderTooLargeForTheParserAnswers431ProblemJSON() async throws {
        try await withAPIServer(Harness().service) { client in
            let huge = try await client.send("POST", "/v1/instances/nope/cancel", headers: [("X-Baton-Actor", String(repeating: "a", count: 100 * 1024))])
            #expect(huge.status == 431)
            #expect(huge.header("Content-Type") == "application/problem+json")
            #expect(try huge.json()["type"] == "https://baton.dev/problems/header-fields-too-large")
            // Under the parser's limit, the actor header has its own, named limit.
            let long = try await client.send("POST", "/v1/instances/nope/cancel", headers: [("X-Baton-Actor", String(repeating: "a", count: 201))])
            #expect(long.status == 400)
            #expect(try long.json()["errors"]?[0]?["parameter"] == "X-Baton-Actor")
            // The server still serves new connections.
            #expect(try await client.get("/livez").status == 200)
        }
    }

    @Test func theDefaultBodyLimitIsOneMebibyte() {
        #expect(APIConfiguration().maxBodyBytes == 1_048_576)
    }

    @Test(arguments: [
        (ServiceError.Code.notFound, 404, "not-found", "Resource not found"),
        (.invalidInput, 400, "invalid-input", "Invalid input"),
        (.conflict, 409, "conflict", "Conflict with the current state"),
    ])
    func serviceErrorsMapToTheirStatusAndType(code: ServiceError.Code, status: Int, slug: String, title: String) async throws {
        try await withAPIServer(FailingService(error: ServiceError(code, "what went wrong"))) { client in
            try expectProblem(try await client.get("/v1/instances/inst-1"), problemDocument(
                slug, title: title, status: status, detail: "what went wrong", instance: "/v1/instances/inst-1"
            ))
        }
    }

    @Test func anUnavailableServiceAnswers503WithRetryAfter() async throws {
        let service = FailingService(error: ServiceError(.unavailable, "the store is unavailable: disk full"))
        try await withAPIServer(service, configuration: APIConfiguration(retryAfter: .seconds(7))) { client in
            let response = try await client.get("/v1/definitions")
            #expect(response.header("Retry-After") == "7")
            try expectProblem(response, problemDocument(
                "unavailable", title: "Service temporarily unavailable", status: 503,
                detail: "the store is unavailable: disk full", instance: "/v1/definitions"
            ))
        }
    }

    @Test func aStartBeyondAFullQueueAnswers429WithRetryAfterAndAStartThatQueuesIsCreatedQueued() async throws {
        let harness = Harness(limits: ConcurrencyLimits(maxRunning: 1, maxQueued: 1))
        try await withAPIServer(harness.service, configuration: APIConfiguration(retryAfter: .seconds(3))) { client in
            _ = try await client.post("/v1/definitions", json: ["id": "w", "steps": [["id": "t", "type": "task", "taskType": "t"]]])
            let first = try await client.post("/v1/workflows/w/instances", json: [:])
            #expect(first.status == 201)
            #expect(try first.json()["status"] == "QUEUED")
            let second = try await client.post("/v1/workflows/w/instances", json: [:])
            #expect(second.header("Retry-After") == "3")
            try expectProblem(second, problemDocument(
                "queue-full", title: "Too many instances wait to start", status: 429,
                detail: "1 instances already wait for a slot (limits.maxQueued is 1); 'w' cannot queue another now", instance: "/v1/workflows/w/instances"
            ))
        }
    }

    @Test(arguments: [ServiceError.Code.internal, ServiceError.Code(rawValue: "something-new")])
    func internalFailuresAnswer500WithoutLeakingDetails(code: ServiceError.Code) async throws {
        let service = FailingService(error: ServiceError(code, "store failure: SQLITE_CORRUPT in /var/lib/baton/baton.db"))
        try await withAPIServer(service) { client in
            let response = try await client.post("/v1/instances/inst-1/cancel", json: [:])
            try expectProblem(response, problemDocument(
                "internal", title: "Internal server error", status: 500,
                detail: "The server failed to handle the request; the failure has been logged.", instance: "/v1/instances/inst-1/cancel"
            ))
            #expect(!response.text.contains("SQLITE"))
        }
    }
}
