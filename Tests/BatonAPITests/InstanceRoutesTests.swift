import BatonAPI
import BatonExpressions
import Testing

@Suite("Instance routes")
struct InstanceRoutesTests {
    /// The view of `inst-1` right after it started `order` with `{"amount": 42}` at t0.
    static let startedView: JSONValue = [
        "id": "inst-1",
        "workflowId": "order",
        "workflowVersion": 1,
        "status": "RUNNING",
        "input": ["amount": 42],
        "output": nil,
        "error": nil,
        "state": [
            "input": ["amount": 42],
            "steps": [
                "charge": [
                    "status": "SCHEDULED", "attempt": 1, "startedAt": .string(Fixtures.t0), "output": nil, "error": nil,
                    "completedAt": nil, "taskId": "inst-1.1",
                ],
            ],
            "vars": [:],
        ],
        "currentSteps": [
            [
                "stepId": "charge", "executionId": "root", "taskId": "inst-1.1", "attempt": 1, "scheduledAt": .string(Fixtures.t0),
                "deadline": "2027-01-15T08:00:30.000Z", "lastHeartbeatAt": nil, "progress": nil,
            ],
        ],
        "executions": [[
            "id": "root", "parentId": nil, "parentStepId": nil, "status": "RUNNING", "lastStepId": nil,
            "startedAt": .string(Fixtures.t0), "completedAt": nil, "foreach": [],
        ]],
        "businessKey": nil,
        // Started with no traceparent: the trace derived from the instance id, the workflow's span.
        "traceparent": "00-1091dbbd3974de167576f4eccd67bfad-ea63e78900606fb8-01",
        "parent": nil,
        "children": [],
        "createdAt": .string(Fixtures.t0),
        "updatedAt": .string(Fixtures.t0),
        "completedAt": nil,
        "origin": "api",
    ]

    /// Registers `order` (and `refund`) through the API.
    static func register(_ client: RawHTTPClient) async throws {
        #expect(try await client.post("/v1/definitions", json: Fixtures.orderDefinition).status == 201)
        #expect(try await client.post("/v1/definitions", json: Fixtures.refundDefinition).status == 201)
    }

    // MARK: Start

    @Test func startingAnInstanceAnswers201WithTheInstanceViewAndItsLocation() async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            let response = try await client.post("/v1/workflows/order/instances", json: ["amount": 42])
            #expect(response.status == 201)
            #expect(response.header("Location") == "/v1/instances/inst-1")
            #expect(try response.json() == Self.startedView)
            #expect(try await client.get("/v1/instances/inst-1").json() == Self.startedView)
        }
    }

    @Test func aStartWithTheBusinessKeyOfARunningInstanceAnswers200WithIt() async throws {
        try await withAPIServer(Harness().service) { client in
            let definition: JSONValue = [
                "id": "keyed", "key": "${ $.input.orderId }", "steps": [["id": "pick", "type": "task", "taskType": "pick"]],
            ]
            #expect(try await client.post("/v1/definitions", json: definition).status == 201)
            let first = try await client.post("/v1/workflows/keyed/instances", json: ["orderId": "o-1"])
            #expect(first.status == 201)
            #expect(try first.json()["businessKey"] == "o-1")
            let again = try await client.post("/v1/workflows/keyed/instances", json: ["orderId": "o-1"])
            #expect(again.status == 200)
            #expect(try again.json()["id"] == (try first.json()["id"]))
            let unkeyable = try await client.post("/v1/workflows/keyed/instances", json: ["orderId": ["not": "a key"]])
            #expect(unkeyable.status == 422)
            #expect(try unkeyable.json()["type"] == "https://baton.dev/problems/invalid-workflow-input")
        }
    }

    @Test func anInputThatBreaksTheInputSchemaAnswers422WithEveryViolation() async throws {
        try await withAPIServer(Harness().service) { client in
            let definition: JSONValue = [
                "id": "strict", "steps": [["id": "done", "type": "succeed"]],
                "inputSchema": ["type": "object", "required": ["orderId"], "properties": ["amount": ["type": "number", "minimum": 1]]],
            ]
            #expect(try await client.post("/v1/definitions", json: definition).status == 201)
            let response = try await client.post("/v1/workflows/strict/instances", json: ["amount": 0])
            try expectProblem(response, problemDocument(
                "invalid-workflow-input", title: "Input does not match the workflow's input schema", status: 422,
                detail: try #require(try response.json()["detail"]?.stringValue), instance: "/v1/workflows/strict/instances",
                errors: [
                    ["message": "missing required property \"orderId\"", "pointer": ""],
                    ["message": "expected a value of at least 1, found 0", "pointer": "/amount"],
                ]
            ))
            #expect(try response.json()["detail"]?.stringValue?.hasPrefix("the input does not match the inputSchema of 'strict' v1") == true)
            #expect(try await client.post("/v1/workflows/strict/instances", json: ["orderId": "o-1", "amount": 2]).status == 201)
        }
    }

    @Test func anEmptyBodyStartsTheInstanceWithAnEmptyObjectAsInput() async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            let response = try await client.send("POST", "/v1/workflows/order/instances")
            #expect(response.status == 201)
            #expect(try response.json()["input"] == [:])
        }
    }

    @Test func retryingWithTheSameIdempotencyKeyAnswers200WithTheSameInstance() async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            let first = try await client.post("/v1/workflows/order/instances", json: ["amount": 42], headers: [("Idempotency-Key", "order-42")])
            let retry = try await client.post("/v1/workflows/order/instances", json: ["amount": 42], headers: [("Idempotency-Key", "order-42")])
            let other = try await client.post("/v1/workflows/order/instances", json: ["amount": 42], headers: [("Idempotency-Key", "order-43")])
            #expect(first.status == 201)
            #expect(retry.status == 200)
            #expect(retry.header("Location") == "/v1/instances/inst-1")
            #expect(try retry.json() == first.json())
            #expect(other.status == 201)
            #expect(try other.json()["id"] == "inst-2")
        }
    }

    @Test(arguments: ["", String(repeating: "k", count: 256)])
    func anIdempotencyKeyThatIsBlankOrTooLongAnswers400NamingIt(key: String) async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            let response = try await client.post("/v1/workflows/order/instances", json: [:], headers: [("Idempotency-Key", key)])
            try expectProblem(response, problemDocument(
                "invalid-parameter", title: "Invalid request parameter", status: 400,
                detail: "Parameter 'Idempotency-Key' must be 1 to 255 bytes long.", instance: "/v1/workflows/order/instances",
                errors: [["message": "must be 1 to 255 bytes long", "parameter": "Idempotency-Key"]]
            ))
        }
    }

    @Test func aPinnedVersionStartsThatVersion() async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            _ = try await client.post("/v1/definitions", json: Fixtures.orderDefinition)
            let response = try await client.post("/v1/workflows/order/instances?version=1", json: [:])
            #expect(response.status == 201)
            #expect(try response.json()["workflowVersion"] == 1)
            #expect(try await client.post("/v1/workflows/order/instances", json: [:]).json()["workflowVersion"] == 2)
        }
    }

    @Test func startingAnUnknownWorkflowOrVersionAnswers404() async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            try expectProblem(try await client.post("/v1/workflows/nope/instances", json: [:]), problemDocument(
                "not-found", title: "Resource not found", status: 404, detail: "no definition 'nope'", instance: "/v1/workflows/nope/instances"
            ))
            try expectProblem(try await client.post("/v1/workflows/order/instances?version=9", json: [:]), problemDocument(
                "not-found", title: "Resource not found", status: 404, detail: "definition 'order' has no version 9", instance: "/v1/workflows/order/instances"
            ))
        }
    }

    @Test func aVersionQueryThatIsNotAPositiveIntegerAnswers400NamingIt() async throws {
        try await withAPIServer(Harness().service) { client in
            try expectProblem(try await client.post("/v1/workflows/order/instances?version=latest", json: [:]), problemDocument(
                "invalid-parameter", title: "Invalid request parameter", status: 400,
                detail: "Parameter 'version' must be an integer of at least 1, got 'latest'.", instance: "/v1/workflows/order/instances",
                errors: [["message": "must be an integer of at least 1, got 'latest'", "parameter": "version"]]
            ))
        }
    }

    @Test func malformedJSONInputAnswers400WithLineAndColumn() async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            let response = try await client.post("/v1/workflows/order/instances", text: "{\"amount\": 42,}", contentType: "application/json")
            let body = try response.json()
            #expect(response.status == 400)
            #expect(body["type"] == "https://baton.dev/problems/malformed-json")
            #expect(body["title"] == "Malformed JSON body")
            #expect(body["instance"] == "/v1/workflows/order/instances")
            #expect(body["errors"]?[0]?["line"] == 1)
            #expect(body["errors"]?[0]?["column"] == 15)
            #expect(body["detail"]?.stringValue?.hasPrefix("The body is not valid JSON: ") == true)
            #expect(body["detail"]?.stringValue?.hasSuffix(" at line 1, column 15.") == true)
        }
    }

    @Test func aYAMLInputAnswers415() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.post("/v1/workflows/order/instances", text: "amount: 42", contentType: "application/yaml")
            try expectProblem(response, problemDocument(
                "unsupported-media-type", title: "Unsupported media type", status: 415,
                detail: "Content-Type 'application/yaml' is not supported here; send application/json.", instance: "/v1/workflows/order/instances"
            ))
        }
    }

    // MARK: Read

    @Test(arguments: ["/v1/instances/nope", "/v1/instances/nope/history", "/v1/instances/nope/steps"])
    func readingAnUnknownInstanceAnswers404(path: String) async throws {
        try await withAPIServer(Harness().service) { client in
            try expectProblem(try await client.get(path), problemDocument(
                "not-found", title: "Resource not found", status: 404, detail: "no instance 'nope'", instance: path
            ))
        }
    }

    @Test func listingPagesNewestFirstAndFiltersByWorkflowAndStatus() async throws {
        let harness = Harness()
        try await withAPIServer(harness.service) { client in
            try await Self.register(client)
            for workflow in ["order", "order", "refund", "order"] {
                harness.clock.advance(byMilliseconds: 1000)
                #expect(try await client.post("/v1/workflows/\(workflow)/instances", json: [:]).status == 201)
            }
            #expect(try await client.post("/v1/instances/inst-1/cancel", json: [:]).status == 200)

            let first = try await client.get("/v1/instances?workflowId=order&limit=2").json()
            #expect(first["items"]?.arrayValue?.map { $0["id"] } == ["inst-4", "inst-2"])
            let cursor = try #require(first["nextCursor"]?.stringValue)
            let second = try await client.get("/v1/instances?workflowId=order&limit=2&cursor=\(cursor)").json()
            #expect(second["items"]?.arrayValue?.map { $0["id"] } == ["inst-1"])
            #expect(second["nextCursor"] == .null)

            let all = try await client.get("/v1/instances").json()
            #expect(all["items"]?.arrayValue?.map { $0["id"] } == ["inst-4", "inst-3", "inst-2", "inst-1"])
            #expect(all["nextCursor"] == .null)

            let cancelled = try await client.get("/v1/instances?status=cancelled").json()
            #expect(cancelled["items"]?.arrayValue?.map { $0["id"] } == ["inst-1"])
            let running = try await client.get("/v1/instances?status=RUNNING&workflowId=refund").json()
            #expect(running["items"]?.arrayValue?.map { $0["id"] } == ["inst-3"])
        }
    }

    @Test(arguments: [
        ("status=DONE", "status", "must be one of QUEUED, RUNNING, PAUSED, COMPLETED, FAILED, CANCELLED, TIMED_OUT, got 'DONE'"),
        ("limit=0", "limit", "must be an integer from 1 to 1000, got '0'"),
        ("limit=1001", "limit", "must be an integer from 1 to 1000, got '1001'"),
        ("limit=ten", "limit", "must be an integer from 1 to 1000, got 'ten'"),
    ])
    func aBadListParameterAnswers400NamingIt(query: String, parameter: String, message: String) async throws {
        try await withAPIServer(Harness().service) { client in
            try expectProblem(try await client.get("/v1/instances?\(query)"), problemDocument(
                "invalid-parameter", title: "Invalid request parameter", status: 400,
                detail: "Parameter '\(parameter)' \(message).", instance: "/v1/instances",
                errors: [["message": .string(message), "parameter": .string(parameter)]]
            ))
        }
    }

    @Test func historyPagesByAfterWithANextAfterUntilTheEnd() async throws {
        let harness = Harness()
        try await withAPIServer(harness.service) { client in
            try await Self.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: ["amount": 42])
            harness.clock.advance(byMilliseconds: 5000)
            _ = try await client.post("/v1/instances/inst-1/cancel", json: ["reason": "customer changed their mind"], headers: [("X-Baton-Actor", "alice")])

            let first = try await client.get("/v1/instances/inst-1/history?limit=2").json()
            #expect(first["items"]?.arrayValue?.map { $0["sequence"] } == [1, 2])
            #expect(first["items"]?[0] == [
                "sequence": 1, "time": .string(Fixtures.t0), "type": "WorkflowStarted", "data": ["input": ["amount": 42], "origin": "api"],
            ])
            #expect(first["items"]?[1]?["type"] == "TaskScheduled")
            #expect(first["nextAfter"] == 2)

            let second = try await client.get("/v1/instances/inst-1/history?after=2&limit=2").json()
            #expect(second == [
                "items": [
                    [
                        "sequence": 3, "time": "2027-01-15T08:00:05.000Z", "type": "WorkflowCancelled",
                        "data": ["reason": "customer changed their mind", "by": "alice", "tasks": ["inst-1.1"]],
                    ],
                ],
                "nextAfter": nil,
            ])
            #expect(try await client.get("/v1/instances/inst-1/history").json()["items"]?.arrayValue?.count == 3)
        }
    }

    @Test(arguments: [("after=-1", "after", "must be an integer of at least 0, got '-1'"), ("limit=0", "limit", "must be an integer from 1 to 1000, got '0'")])
    func aBadHistoryParameterAnswers400NamingIt(query: String, parameter: String, message: String) async throws {
        try await withAPIServer(Harness().service) { client in
            try expectProblem(try await client.get("/v1/instances/inst-1/history?\(query)"), problemDocument(
                "invalid-parameter", title: "Invalid request parameter", status: 400,
                detail: "Parameter '\(parameter)' \(message).", instance: "/v1/instances/inst-1/history",
                errors: [["message": .string(message), "parameter": .string(parameter)]]
            ))
        }
    }

    @Test func stepsListEveryTaskAttempt() async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: ["amount": 42])
            let response = try await client.get("/v1/instances/inst-1/steps")
            #expect(response.status == 200)
            #expect(try response.json() == [
                "items": [
                    [
                        "instanceId": "inst-1", "taskId": "inst-1.1", "stepId": "charge", "attempt": 1, "status": "SCHEDULED",
                        "input": ["amount": 42], "output": nil, "error": nil, "scheduledAt": .string(Fixtures.t0), "completedAt": nil,
                    ],
                ],
            ])
        }
    }

    // MARK: Cancel

    @Test func cancellingARunningInstanceAnswers200WithTheCancelledView() async throws {
        let harness = Harness()
        try await withAPIServer(harness.service) { client in
            try await Self.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: ["amount": 42])
            harness.clock.advance(byMilliseconds: 2000)
            let response = try await client.send("POST", "/v1/instances/inst-1/cancel")
            #expect(response.status == 200)
            var expected = Self.startedView.objectValue!
            expected["status"] = "CANCELLED"
            expected["currentSteps"] = []
            // The step whose task was running is marked CANCELLED too.
            expected["state"] = [
                "input": ["amount": 42],
                "steps": [
                    "charge": [
                        "status": "CANCELLED", "attempt": 1, "startedAt": .string(Fixtures.t0), "output": nil, "error": nil,
                        "completedAt": "2027-01-15T08:00:02.000Z", "taskId": "inst-1.1",
                    ],
                ],
                "vars": [:],
            ]
            expected["updatedAt"] = "2027-01-15T08:00:02.000Z"
            expected["completedAt"] = "2027-01-15T08:00:02.000Z"
            expected["executions"] = [[
                "id": "root", "parentId": nil, "parentStepId": nil, "status": "CANCELLED", "lastStepId": nil,
                "startedAt": .string(Fixtures.t0), "completedAt": "2027-01-15T08:00:02.000Z", "foreach": [],
            ]]
            // The same error the workflow.cancelled event carries (it used to be null here).
            expected["error"] = ["code": "CANCELLED", "message": "cancelled through the API", "retryable": false, "time": "2027-01-15T08:00:02.000Z"]
            #expect(try response.json() == .object(expected))
            let history = try await client.get("/v1/instances/inst-1/history?after=2").json()
            #expect(history["items"]?[0]?["data"] == ["reason": "cancelled through the API", "by": "api", "tasks": ["inst-1.1"]])
        }
    }

    @Test func cancellingAFinishedInstanceAnswers409() async throws {
        try await withAPIServer(Harness().service) { client in
            try await Self.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: [:])
            _ = try await client.post("/v1/instances/inst-1/cancel", json: [:])
            try expectProblem(try await client.post("/v1/instances/inst-1/cancel", json: [:]), problemDocument(
                "conflict", title: "Conflict with the current state", status: 409,
                detail: "instance 'inst-1' is already CANCELLED", instance: "/v1/instances/inst-1/cancel"
            ))
        }
    }

    @Test func cancellingAnUnknownInstanceAnswers404() async throws {
        try await withAPIServer(Harness().service) { client in
            try expectProblem(try await client.post("/v1/instances/nope/cancel", json: [:]), problemDocument(
                "not-found", title: "Resource not found", status: 404, detail: "no instance 'nope'", instance: "/v1/instances/nope/cancel"
            ))
        }
    }

    @Test func aCancelBodyWithANonStringReasonAnswers400PointingAtIt() async throws {
        try await withAPIServer(Harness().service) { client in
            try expectProblem(try await client.post("/v1/instances/inst-1/cancel", json: ["reason": 5]), problemDocument(
                "invalid-input", title: "Invalid input", status: 400, detail: "'reason' must be a string.", instance: "/v1/instances/inst-1/cancel",
                errors: [["message": "expected a string, found number", "pointer": "/reason"]]
            ))
            try expectProblem(try await client.post("/v1/instances/inst-1/cancel", json: ["stop"]), problemDocument(
                "invalid-input", title: "Invalid input", status: 400,
                detail: "The body must be a JSON object such as {\"reason\": \"...\"}, not an array.", instance: "/v1/instances/inst-1/cancel",
                errors: [["message": "expected an object, found array", "pointer": ""]]
            ))
        }
    }
}
