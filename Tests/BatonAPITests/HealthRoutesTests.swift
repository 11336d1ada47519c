import BatonAPI
import BatonExpressions
import Testing

@Suite("Health routes")
struct HealthRoutesTests {
    @Test func livezAnswers200() async throws {
        try await withAPIServer(Harness().service) { client in
            let response = try await client.get("/livez")
            #expect(response.status == 200)
            #expect(try response.json() == ["status": "ok"])
        }
    }

    @Test func readyzAnswers503WithTheReasonUntilTheServiceIsReady() async throws {
        let harness = Harness()
        harness.readiness.set("kafka", notReadyBecause: "consumer group not joined")
        try await withAPIServer(harness.service) { client in
            let notReady = try await client.get("/readyz")
            #expect(notReady.header("Retry-After") == "5")
            try expectProblem(notReady, problemDocument(
                "not-ready", title: "Not ready", status: 503, detail: "kafka: consumer group not joined", instance: "/readyz"
            ))

            harness.readiness.set("kafka", notReadyBecause: nil)
            let ready = try await client.get("/readyz")
            #expect(ready.status == 200)
            #expect(try ready.json() == ["status": "ok"])
        }
    }
}
