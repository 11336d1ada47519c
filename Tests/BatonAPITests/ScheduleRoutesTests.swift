import BatonAPI
import BatonExpressions
import Testing

/// `/v1/schedules` over the real schedule and workflow services, on a manual clock
/// (2027-01-15T08:00:00Z).
@Suite("Schedule routes")
struct ScheduleRoutesTests {
    static let tick: JSONValue = ["id": "tick", "steps": [["id": "done", "type": "succeed", "output": "${ $.input }"]]]
    static let hourly: JSONValue = ["id": "hourly", "workflowId": "tick", "every": "1h", "input": ["at": "${ $.schedule.fireTime }"]]

    @Test func aScheduleIsCreatedReadListedAndDeleted() async throws {
        let harness = Harness()
        try await withAPIServer(harness.service, schedules: harness.schedules) { client in
            #expect(try await client.post("/v1/definitions", json: Self.tick).status == 201)
            let created = try await client.post("/v1/schedules", json: Self.hourly)
            #expect(created.status == 201)
            #expect(created.header("Location") == "/v1/schedules/hourly")
            let body = try created.json()
            #expect(body["nextFireAt"] == "2027-01-15T09:00:00.000Z")
            #expect(body["upcoming"] == ["2027-01-15T09:00:00.000Z", "2027-01-15T10:00:00.000Z", "2027-01-15T11:00:00.000Z", "2027-01-15T12:00:00.000Z", "2027-01-15T13:00:00.000Z"])
            #expect(body["paused"] == false && body["version"] == 1 && body["document"] == Self.hourly && body["activeInstanceIds"] == [])
            #expect(try await client.get("/v1/schedules/hourly").json() == body)
            #expect(try await client.get("/v1/schedules").json() == ["items": [body]])
            #expect(try await client.get("/v1/schedules?workflowId=other").json() == ["items": []])

            let again = try await client.post("/v1/schedules", json: Self.hourly)
            #expect(again.status == 409)
            #expect(try again.json()["detail"] == "schedule 'hourly' exists already")

            #expect(try await client.send("DELETE", "/v1/schedules/hourly").status == 204)
            #expect(try await client.get("/v1/schedules/hourly").status == 404)
            #expect(try await client.send("DELETE", "/v1/schedules/hourly").status == 404)
        }
    }

    @Test func anInvalidScheduleAnswers422WithEveryProblem() async throws {
        let harness = Harness()
        try await withAPIServer(harness.service, schedules: harness.schedules) { client in
            let response = try await client.post("/v1/schedules", json: ["id": "s", "workflowId": "missing", "cron": "61 * * * *", "overlap": "never"])
            #expect(response.status == 422)
            let problem = try response.json()
            #expect(problem["type"] == "https://baton.dev/problems/invalid-schedule")
            #expect(problem["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["/cron", "/overlap"])
            let unknown = try await client.post("/v1/schedules", json: Self.hourly)
            #expect(unknown.status == 422)
            #expect(try unknown.json()["errors"] == [["stepId": nil, "field": "/workflowId", "pointer": "/workflowId", "column": nil, "message": "workflow 'tick' is not registered"]])
        }
    }

    @Test func pauseResumeAndTriggerNow() async throws {
        let harness = Harness()
        try await withAPIServer(harness.service, schedules: harness.schedules) { client in
            #expect(try await client.post("/v1/definitions", json: Self.tick).status == 201)
            #expect(try await client.post("/v1/schedules", json: Self.hourly).status == 201)
            let paused = try await client.post("/v1/schedules/hourly/pause", json: [:]).json()
            #expect(paused["paused"] == true && paused["nextFireAt"] == .null && paused["upcoming"] == [])

            // Three hours pass while paused; resuming runs none of them late.
            harness.clock.advance(byMilliseconds: 3 * 3_600_000 + 60_000)
            let resumed = try await client.post("/v1/schedules/hourly/resume", json: [:]).json()
            #expect(resumed["paused"] == false && resumed["nextFireAt"] == "2027-01-15T12:00:00.000Z")

            let triggered = try await client.post("/v1/schedules/hourly/trigger", json: [:])
            #expect(triggered.status == 200)
            let outcome = try triggered.json()
            #expect(outcome["started"] == ["inst-1"])
            let instance = try await client.get("/v1/instances/inst-1").json()
            #expect(instance["input"] == ["at": "2027-01-15T11:01:00.000Z"])
            #expect(instance["status"] == "COMPLETED")
            #expect(try await client.post("/v1/schedules/none/trigger", json: [:]).status == 404)
        }
    }

    @Test func withoutAScheduleStoreTheRoutesSayWhy() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.get("/v1/schedules")
            #expect(response.status == 404)
            #expect(try response.json()["detail"] == "Schedules are not available with this store.")
        }
    }
}
