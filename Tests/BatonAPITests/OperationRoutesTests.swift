import BatonCore
import BatonExpressions
import BatonRuntime
import Testing

/// Pause, resume, retry and rerun over HTTP, against the real orchestrator.
@Suite("Operation routes")
struct OperationRoutesTests {
    @Test func pauseAndResumeAreRecordedWithWhoAndWhy() async throws {
        try await withAPIServer(Harness().service) { client in
            try await InstanceRoutesTests.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: ["amount": 42])
            let paused = try await client.post("/v1/instances/inst-1/pause", json: ["reason": "fraud check"], headers: [("X-Baton-Actor", "ada@example.com")])
            #expect(paused.status == 200)
            #expect(try paused.json()["status"] == "PAUSED")
            try expectProblem(try await client.post("/v1/instances/inst-1/pause", json: [:]), problemDocument(
                "conflict", title: "Conflict with the current state", status: 409,
                detail: "cannot pause instance 'inst-1': the instance is PAUSED; this needs RUNNING", instance: "/v1/instances/inst-1/pause"
            ))
            let resumed = try await client.post("/v1/instances/inst-1/resume", json: [:])
            #expect(try resumed.json()["status"] == "RUNNING")
            let history = try await client.get("/v1/instances/inst-1/history?after=2").json()
            #expect(history["items"]?[0]?["type"] == "WorkflowPaused")
            #expect(history["items"]?[0]?["data"] == ["by": "ada@example.com", "reason": "fraud check"])
            #expect(history["items"]?[1]?["type"] == "WorkflowResumed")
            #expect(history["items"]?[1]?["data"]?["reason"] == "resume through the API")
        }
    }

    @Test func retryNeedsAFailedInstance() async throws {
        try await withAPIServer(Harness().service) { client in
            try await InstanceRoutesTests.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: [:])
            try expectProblem(try await client.post("/v1/instances/inst-1/retry", json: [:]), problemDocument(
                "conflict", title: "Conflict with the current state", status: 409,
                detail: "cannot retry instance 'inst-1': the instance is RUNNING; this needs FAILED or TIMED_OUT", instance: "/v1/instances/inst-1/retry"
            ))
        }
    }

    @Test func rerunFromAStepWithANewInput() async throws {
        try await withAPIServer(Harness().service) { client in
            try await InstanceRoutesTests.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: ["amount": 1])
            let rerun = try await client.post("/v1/instances/inst-1/rerun", json: ["fromStep": "charge", "input": ["amount": 2]])
            #expect(rerun.status == 200)
            let view = try rerun.json()
            #expect(view["input"] == ["amount": 2])
            #expect(view["status"] == "RUNNING")
            #expect(view["currentSteps"]?[0]?["taskId"] == "inst-1.2")
        }
    }

    @Test func rerunNeedsAKnownStep() async throws {
        try await withAPIServer(Harness().service) { client in
            try await InstanceRoutesTests.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: [:])
            let missing = try await client.post("/v1/instances/inst-1/rerun", json: [:])
            #expect(missing.status == 400)
            #expect(try missing.json()["errors"]?[0]?["pointer"] == "/fromStep")
            let unknown = try await client.post("/v1/instances/inst-1/rerun", json: ["fromStep": "ship"])
            #expect(unknown.status == 409)
            #expect(try unknown.json()["detail"] == "cannot rerun instance 'inst-1': its definition version (order v1) has no step 'ship'")
        }
    }
}
