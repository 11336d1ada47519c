import BatonAPI
import BatonExpressions
import Testing

@Suite("Definition routes")
struct DefinitionRoutesTests {
    @Test func registeringAJSONDefinitionAnswers201WithTheRecordAndItsLocation() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.post("/v1/definitions", json: Fixtures.orderDefinition)
            #expect(response.status == 201)
            #expect(response.header("Location") == "/v1/definitions/order/versions/1")
            #expect(response.header("Content-Type") == "application/json")
            #expect(try response.json() == ["id": "order", "version": 1, "createdAt": .string(Fixtures.t0), "document": Fixtures.orderDefinition])
        }
    }

    @Test(arguments: ["application/yaml", "text/yaml", "application/x-yaml", nil])
    func registeringAYAMLDefinitionStoresItAsJSON(contentType: String?) async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.post("/v1/definitions", text: Fixtures.greetingYAML, contentType: contentType)
            #expect(response.status == 201)
            #expect(response.header("Location") == "/v1/definitions/greeting/versions/1")
            #expect(try response.json()["document"] == Fixtures.greetingDocument)
        }
    }

    @Test func aJSONDefinitionWithoutContentTypeIsSniffedAsJSON() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.post("/v1/definitions", text: Fixtures.orderDefinition.serialized(), contentType: nil)
            #expect(response.status == 201)
            #expect(try response.json()["document"] == Fixtures.orderDefinition)
        }
    }

    @Test func anInvalidDefinitionAnswers422ListingEveryIssueWithStepAndField() async throws {
        let definition: JSONValue = [
            "id": "broken",
            "steps": [
                ["id": "charge", "type": "task", "taskType": "payments.charge", "next": "nowhere"],
                ["id": "notify", "type": "teleport"],
                ["id": "ship", "type": "task"],
                ["id": "route", "type": "choice", "choices": [["when": "$.input.amount > 0 && lenght($.input.items) > 0", "next": "charge"]]],
            ],
            "colour": "blue",
        ]
        try await withAPIServer(Harness().service) { client in
            let response = try await client.post("/v1/definitions", json: definition)
            try expectProblem(response, problemDocument(
                "invalid-definition", title: "Invalid workflow definition", status: 422,
                detail: "the definition has 5 problems", instance: "/v1/definitions",
                errors: [
                    [
                        "stepId": nil, "field": "/colour", "pointer": "/colour", "column": nil,
                        "message": "unknown field 'colour' (allowed: description, id, inputSchema, key, maxConcurrent, maxSteps, name, onFailure, output, outputSchema, retry, schedules, startAt, steps, timeout, triggers, version)",
                    ],
                    [
                        "stepId": "notify", "field": "/steps/1/type", "pointer": "/steps/1/type", "column": nil,
                        "message": "unknown step type 'teleport': expected one of task, choice, set, wait, succeed, fail, parallel, foreach, subworkflow, waitForEvent",
                    ],
                    ["stepId": "ship", "field": "/steps/2/taskType", "pointer": "/steps/2/taskType", "column": nil, "message": "'taskType' is required"],
                    [
                        "stepId": "route", "field": "/steps/3/choices/0/when", "pointer": "/steps/3/choices/0/when", "column": 23,
                        "message": "unknown function 'lenght' (did you mean 'len'?)",
                    ],
                    ["stepId": "charge", "field": "/steps/0/next", "pointer": "/steps/0/next", "column": nil, "message": "unknown step 'nowhere'"],
                ]
            ))
        }
    }

    @Test func malformedJSONDefinitionAnswers400WithLineAndColumn() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.post("/v1/definitions", text: "{\n  \"id\": \"x\",\n  \"steps\": [\n}", contentType: "application/json")
            let body = try response.json()
            #expect(response.status == 400)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(body["type"] == "https://baton.dev/problems/malformed-json")
            #expect(body["errors"]?[0]?["line"] == 4)
            #expect(body["errors"]?[0]?["column"] == 1)
            #expect(body["detail"]?.stringValue?.hasSuffix("at line 4, column 1.") == true)
        }
    }

    @Test func aYAMLDefinitionThatIsNotUTF8Answers400() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.send("POST", "/v1/definitions", headers: [("Content-Type", "application/yaml")], body: Array("id: caf".utf8) + [0xE9])
            try expectProblem(response, problemDocument(
                "malformed-body", title: "Malformed request body", status: 400,
                detail: "The definition is not valid UTF-8 text.", instance: "/v1/definitions"
            ))
        }
    }

    @Test func aDefinitionInAnUnsupportedMediaTypeAnswers415() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.post("/v1/definitions", text: "<workflow/>", contentType: "application/xml")
            try expectProblem(response, problemDocument(
                "unsupported-media-type", title: "Unsupported media type", status: 415,
                detail: "Content-Type 'application/xml' is not supported here; send application/json or application/yaml.",
                instance: "/v1/definitions"
            ))
        }
    }

    @Test func registeringAgainCreatesTheNextVersionAndReadsServeEachOne() async throws {
        let harness = Harness()
        var second = Fixtures.orderDefinition.objectValue!
        second["name"] = "Order v2"
        let secondDocument = JSONValue.object(second)
        try await withAPIServer(harness.service) { client in
            _ = try await client.post("/v1/definitions", json: Fixtures.orderDefinition)
            harness.clock.advance(byMilliseconds: 1000)
            let registered = try await client.post("/v1/definitions", json: secondDocument)
            #expect(registered.status == 201)
            #expect(registered.header("Location") == "/v1/definitions/order/versions/2")

            let v1: JSONValue = ["id": "order", "version": 1, "createdAt": .string(Fixtures.t0), "document": Fixtures.orderDefinition]
            let v2: JSONValue = ["id": "order", "version": 2, "createdAt": "2027-01-15T08:00:01.000Z", "document": secondDocument]
            #expect(try await client.get("/v1/definitions/order").json() == v2)
            #expect(try await client.get("/v1/definitions/order/versions/1").json() == v1)
            #expect(try await client.get("/v1/definitions/order/versions/2").json() == v2)
            // The listing adds how many instances each version has.
            _ = try await client.post("/v1/workflows/order/instances?version=1", json: ["amount": 1])
            func listed(_ version: JSONValue, active: Int, byStatus: JSONValue) -> JSONValue {
                var members = version.objectValue!
                members["instances"] = ["active": .number(Double(active)), "total": .number(Double(active)), "byStatus": byStatus]
                return .object(members)
            }
            #expect(try await client.get("/v1/definitions/order/versions").json() == ["items": [listed(v1, active: 1, byStatus: ["RUNNING": 1]), listed(v2, active: 0, byStatus: [:])]])
            #expect(try await client.get("/v1/definitions").json() == [
                "items": [["id": "order", "latestVersion": 2, "versionCount": 2, "updatedAt": "2027-01-15T08:00:01.000Z"]],
            ])
        }
    }

    @Test func theDefinitionListIsEmptyBeforeAnyRegistration() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.get("/v1/definitions")
            #expect(response.status == 200)
            #expect(try response.json() == ["items": []])
        }
    }

    @Test(arguments: [
        ("/v1/definitions/nope", "no definition 'nope'"),
        ("/v1/definitions/nope/versions", "no definition 'nope'"),
        ("/v1/definitions/order/versions/7", "definition 'order' has no version 7"),
        ("/v1/definitions/a%20b", "no definition 'a b'"),
    ])
    func readingAnUnknownDefinitionAnswers404(path: String, detail: String) async throws {
        try await withAPIServer(Harness().service) { client in
            _ = try await client.post("/v1/definitions", json: Fixtures.orderDefinition)
            try expectProblem(try await client.get(path), problemDocument("not-found", title: "Resource not found", status: 404, detail: detail, instance: path))
        }
    }

    @Test(arguments: ["0", "abc", "-1"])
    func aVersionThatIsNotAPositiveIntegerAnswers400NamingIt(version: String) async throws {
        try await withAPIServer(Harness().service) { client in
            let path = "/v1/definitions/order/versions/\(version)"
            try expectProblem(try await client.get(path), problemDocument(
                "invalid-parameter", title: "Invalid request parameter", status: 400,
                detail: "Parameter 'version' must be an integer of at least 1, got '\(version)'.", instance: path,
                errors: [["message": .string("must be an integer of at least 1, got '\(version)'"), "parameter": "version"]]
            ))
        }
    }
}
