import BatonCore
import BatonSecurity
import BatonStore
import Testing

/// API keys on every backend: stored as digests, names unique among live keys, revocation kept,
/// use times only move forward.
@Suite("API key store contract")
struct APIKeyStoreContractTests {
    @Test(arguments: Backend.allCases)
    func keysAreStoredRevokedAndUsed(_ backend: Backend) async throws {
        try await withStore(backend) { workflowStore in
            let store = try #require(workflowStore as? any APIKeyStore)
            let (first, token) = APIKey.generate(name: "deployer", grants: ["operator@orders", "viewer@payments.*"], createdBy: "cli", at: at(1_000), expiresAt: at(9_000))
            try await store.createAPIKey(first)
            #expect(try await store.apiKey(id: first.id) == first)
            let stored = try #require(try await store.apiKey(id: first.id))
            #expect(stored.matches(secret: String(token.suffix(64))), "the digest survives the round trip")

            // A second live key with the name is refused; after revocation the name is free again.
            let (twin, _) = APIKey.generate(name: "deployer", grants: ["admin"], createdBy: "cli", at: at(2_000))
            let taken = await storeError { () throws(StoreError) in try await store.createAPIKey(twin) }
            #expect(taken?.code == .conflict && taken?.message.contains("named 'deployer'") == true)
            let duplicateId = await storeError { () throws(StoreError) in
                var same = twin
                same.id = first.id
                same.name = "other"
                try await store.createAPIKey(same)
            }
            #expect(duplicateId?.code == .conflict)

            let revoked = try #require(try await store.revokeAPIKey(id: first.id, at: at(3_000)))
            #expect(revoked.revokedAt == at(3_000))
            #expect(try await store.revokeAPIKey(id: first.id, at: at(4_000))?.revokedAt == at(3_000), "the first revocation stands")
            #expect(try await store.revokeAPIKey(id: "000000000000", at: at(4_000)) == nil)
            try await store.createAPIKey(twin)

            try await store.recordAPIKeyUse(id: twin.id, at: at(5_000))
            try await store.recordAPIKeyUse(id: twin.id, at: at(4_500))
            #expect(try await store.apiKey(id: twin.id)?.lastUsedAt == at(5_000), "use times never move back")
            #expect(try await store.apiKeys().map(\.id) == [first.id, twin.id])
        }
    }
}
