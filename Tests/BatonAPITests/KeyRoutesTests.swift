import BatonCore
import BatonExpressions
import BatonSecurity
import BatonStore
import Testing

/// API keys managed over HTTP by an admin: the token once, never again; revocation; the same
/// checks as `baton keys create`.
@Suite("Key routes")
struct KeyRoutesTests {
    @Test func anAdminCreatesListsAndRevokesKeysAndNobodyElseMay() async throws {
        let store = InMemoryStore()
        try await withAPIServer(Harness().service, authentication: AccessControlTests.authentication, keys: store) { client in
            let admin = AccessControlTests.bearer("admin")
            let created = try await client.post("/v1/admin/keys", json: ["name": "deployer", "grants": ["operator@orders"], "expiresIn": "90d"], headers: admin)
            #expect(created.status == 201)
            let body = try created.json()
            let token = try #require(body["token"]?.stringValue)
            let id = try #require(body["id"]?.stringValue)
            #expect(token.hasPrefix("baton_\(id)_"))
            #expect(created.header("Location") == "/v1/admin/keys/\(id)")
            #expect(body["createdBy"] == "key:admin")
            #expect(body["expiresAt"]?.stringValue != nil)
            // Stored as a digest the token matches; never shown again.
            let stored = try #require(try await store.apiKey(id: id))
            #expect(stored.matches(secret: String(token.split(separator: "_").last!)))
            let listed = try await client.get("/v1/admin/keys", headers: admin)
            #expect(try listed.json()["items"]?[0]?["name"] == "deployer")
            #expect(!listed.text.contains(token.split(separator: "_").last!))
            #expect(try listed.json()["items"]?[0]?["token"] == nil)

            #expect(try await client.post("/v1/admin/keys", json: ["name": "deployer", "grants": ["viewer"]], headers: admin).status == 409)
            #expect(try await client.post("/v1/admin/keys", json: ["name": "x", "grants": ["root"]], headers: admin).status == 422)
            #expect(try await client.post("/v1/admin/keys", json: ["name": "bad name", "grants": ["viewer"]], headers: admin).status == 422)
            #expect(try await client.post("/v1/admin/keys", json: ["name": "x", "grants": ["viewer"], "expiresIn": "5s"], headers: admin).status == 422)
            // Key management is admin only: an operator over everything may not.
            #expect(try await client.get("/v1/admin/keys", headers: AccessControlTests.bearer("viewer")).status == 403)
            #expect(try await client.post("/v1/admin/keys", json: ["name": "mine", "grants": ["admin"]], headers: AccessControlTests.bearer("ops-orders")).status == 403)

            let revoked = try await client.send("DELETE", "/v1/admin/keys/\(id)", headers: admin)
            #expect(revoked.status == 200)
            #expect(try revoked.json()["revokedAt"]?.stringValue != nil)
            #expect(try await store.apiKey(id: id)?.revokedAt != nil)
            #expect(try await client.send("DELETE", "/v1/admin/keys/000000000000", headers: admin).status == 404)
        }
    }
}
