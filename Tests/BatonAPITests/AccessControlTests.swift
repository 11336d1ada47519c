import BatonAPI
import BatonCore
import BatonExpressions
import BatonRuntime
import BatonSecurity
import Testing

/// Every route behind authentication and its declared permission, over HTTP against the real
/// orchestrator: 401 without credentials, 403 without the right, and someone else's instance
/// answered as a missing one.
@Suite("Access control")
struct AccessControlTests {
    /// Tokens standing for verified credentials: the API only sees principals.
    struct Tokens: BearerAuthenticator {
        func principal(for token: String) async throws(SecurityError) -> Principal {
            let grants: [String: [Grant]] = [
                "admin": [Grant(role: .admin)],
                "viewer": [Grant(role: .viewer)],
                "ops-orders": [Grant(role: .operator, scope: .workflow("order"))],
                "admin-orders": [Grant(role: .admin, scope: .workflow("order"))],
                "viewer-refund": [Grant(role: .viewer, scope: .workflow("refund"))],
            ]
            guard let granted = grants[token] else { throw SecurityError(.unauthenticated, "unknown token") }
            return Principal(name: "key:\(token)", grants: granted)
        }
    }

    static let authentication = APIAuthentication.required(Tokens(), openProbes: APIAuthentication.defaultOpenProbes)

    static func bearer(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// Two instances: inst-1 of `order`, inst-2 of `refund`.
    static func seed(_ client: RawHTTPClient) async throws {
        #expect(try await client.post("/v1/definitions", json: Fixtures.orderDefinition, headers: bearer("admin")).status == 201)
        #expect(try await client.post("/v1/definitions", json: Fixtures.refundDefinition, headers: bearer("admin")).status == 201)
        #expect(try await client.post("/v1/workflows/order/instances", json: [:], headers: bearer("admin")).status == 201)
        #expect(try await client.post("/v1/workflows/refund/instances", json: [:], headers: bearer("admin")).status == 201)
    }

    @Test func withoutCredentialsEveryRouteButTheOpenOnesAnswers401() async throws {
        try await withAPIServer(Harness().service, authentication: Self.authentication) { client in
            let none = try await client.get("/v1/instances")
            #expect(none.status == 401)
            #expect(none.header("WWW-Authenticate") == #"Bearer realm="baton""#)
            #expect(try none.json()["type"] == "https://baton.dev/problems/unauthenticated")
            let basic = try await client.get("/v1/instances", headers: [("Authorization", "Basic YWRtaW46YWRtaW4=")])
            #expect(basic.status == 401)
            #expect(basic.header("WWW-Authenticate") == #"Bearer realm="baton", error="invalid_request""#)
            let forged = try await client.get("/v1/instances", headers: Self.bearer("admin2"))
            #expect(forged.status == 401)
            #expect(forged.header("WWW-Authenticate") == #"Bearer realm="baton", error="invalid_token""#)
            // The refusal does not say which check failed.
            #expect(try forged.json()["detail"] == "The credentials were refused (unknown, expired, revoked or malformed).")
            #expect(try await client.post("/v1/definitions", json: Fixtures.orderDefinition).status == 401)
            #expect(try await client.post("/v1/instances/inst-1/cancel", json: [:]).status == 401)
            #expect(try await client.send("PUT", "/v1/admin/log-level").status == 401)
            // Open: the API's description and the probes a deployment leaves open (by default the
            // liveness and readiness probes; /metrics names workflows).
            #expect(try await client.get("/openapi.yaml").status == 200)
            #expect(try await client.get("/livez").status == 200)
            #expect(try await client.get("/metrics").status == 401)
        }
    }

    @Test func aViewerReadsButChangesNothing() async throws {
        try await withAPIServer(Harness().service, authentication: Self.authentication) { client in
            try await Self.seed(client)
            #expect(try await client.get("/v1/instances/inst-1", headers: Self.bearer("viewer")).status == 200)
            #expect(try await client.get("/v1/dead-letters", headers: Self.bearer("viewer")).status == 200)
            let cancel = try await client.post("/v1/instances/inst-1/cancel", json: [:], headers: Self.bearer("viewer"))
            #expect(cancel.status == 403)
            #expect(try cancel.json()["type"] == "https://baton.dev/problems/forbidden")
            #expect(try await client.post("/v1/definitions", json: Fixtures.orderDefinition, headers: Self.bearer("viewer")).status == 403)
            #expect(try await client.post("/v1/workflows/order/instances", json: [:], headers: Self.bearer("viewer")).status == 403)
            #expect(try await client.post("/v1/dead-letters/redrive", json: ["ids": [1]], headers: Self.bearer("viewer")).status == 403)
            #expect(try await client.post("/v1/instances/inst-1/signals/go", json: [:], headers: Self.bearer("viewer")).status == 403)
            #expect(try await client.get("/v1/instances/inst-1", headers: Self.bearer("admin")).json()["status"] == "RUNNING")
        }
    }

    @Test func aGrantOverOneWorkflowSeesAndChangesOnlyThatWorkflow() async throws {
        try await withAPIServer(Harness().service, authentication: Self.authentication) { client in
            try await Self.seed(client)
            let ops = Self.bearer("ops-orders")
            #expect(try await client.post("/v1/workflows/order/instances", json: [:], headers: ops).status == 201)
            #expect(try await client.post("/v1/workflows/refund/instances", json: [:], headers: ops).status == 403)
            // Operators do not change definitions; an admin over `order` changes only its own (the
            // body names the workflow).
            #expect(try await client.post("/v1/definitions", json: Fixtures.orderDefinition, headers: ops).status == 403)
            #expect(try await client.post("/v1/definitions", json: Fixtures.refundDefinition, headers: Self.bearer("admin-orders")).status == 403)
            #expect(try await client.post("/v1/definitions", json: Fixtures.orderDefinition, headers: Self.bearer("admin-orders")).status == 201)
            // Someone else's instance reads exactly as one that does not exist.
            let hidden = try await client.get("/v1/instances/inst-2", headers: ops)
            let missing = try await client.get("/v1/instances/inst-99", headers: ops)
            #expect(hidden.status == 404 && missing.status == 404)
            #expect(try hidden.json()["type"] == missing.json()["type"])
            #expect(try hidden.json()["detail"]?.stringValue == missing.json()["detail"]?.stringValue?.replacingOccurrences(of: "inst-99", with: "inst-2"))
            #expect(try await client.post("/v1/instances/inst-2/cancel", json: [:], headers: ops).status == 404)
            #expect(try await client.get("/v1/instances/inst-2/history", headers: ops).status == 404)
            #expect(try await client.get("/v1/definitions/refund", headers: ops).status == 403)
            // Listings hold only what the grant covers.
            let listed = try await client.get("/v1/instances", headers: ops).json()
            #expect(listed["items"]?.arrayValue?.compactMap { $0["workflowId"]?.stringValue }.allSatisfy { $0 == "order" } == true)
            #expect(listed["items"]?.arrayValue?.count == 2)
            let definitions = try await client.get("/v1/definitions", headers: ops).json()
            #expect(definitions["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["order"])
            // Deployment-wide routes need a global grant.
            #expect(try await client.get("/v1/dead-letters", headers: ops).status == 403)
            #expect(try await client.get("/v1/circuits", headers: ops).status == 403)
        }
    }

    @Test func whoMayReadButNotOperateGets403NotAFalse404() async throws {
        try await withAPIServer(Harness().service, authentication: Self.authentication) { client in
            try await Self.seed(client)
            let viewer = Self.bearer("viewer-refund")
            #expect(try await client.get("/v1/instances/inst-2", headers: viewer).status == 200)
            #expect(try await client.post("/v1/instances/inst-2/cancel", json: [:], headers: viewer).status == 403)
            #expect(try await client.get("/v1/instances/inst-1", headers: viewer).status == 404)
        }
    }

    @Test func theActorIsTheAuthenticatedPrincipalNeverTheHeader() async throws {
        try await withAPIServer(Harness().service, authentication: Self.authentication) { client in
            try await Self.seed(client)
            let headers = Self.bearer("ops-orders") + [("X-Baton-Actor", "mallory")]
            #expect(try await client.post("/v1/instances/inst-1/pause", json: ["reason": "check"], headers: headers).status == 200)
            let history = try await client.get("/v1/instances/inst-1/history?after=2", headers: Self.bearer("admin")).json()
            #expect(history["items"]?[0]?["type"] == "WorkflowPaused")
            #expect(history["items"]?[0]?["data"]?["by"] == "key:ops-orders")
        }
    }

    @Test func withAuthenticationOffTheHeaderNamesTheActor() async throws {
        try await withAPIServer(Harness().service, authentication: .disabled) { client in
            try await InstanceRoutesTests.register(client)
            _ = try await client.post("/v1/workflows/order/instances", json: [:])
            #expect(try await client.post("/v1/instances/inst-1/pause", json: [:], headers: [("X-Baton-Actor", "ada")]).status == 200)
            let history = try await client.get("/v1/instances/inst-1/history?after=2").json()
            #expect(history["items"]?[0]?["data"]?["by"] == "ada")
        }
    }
}
