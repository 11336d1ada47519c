import BatonCore
import BatonSecurity

/// Where API keys live: the SQLite, PostgreSQL and in-memory stores implement it with the same
/// contract (`APIKeyStoreContractTests`). Only digests are stored (see `APIKey`).
public protocol APIKeyStore: Sendable {
    /// `.conflict` when a key that is not revoked has the same name (a revoked key's name may be
    /// used again), or the id exists.
    func createAPIKey(_ key: APIKey) async throws(StoreError)
    /// Every key, revoked and expired ones too, oldest first.
    func apiKeys() async throws(StoreError) -> [APIKey]
    func apiKey(id: String) async throws(StoreError) -> APIKey?
    /// Revokes it (a second revocation keeps the first time) and returns it; nil when there is none.
    func revokeAPIKey(id: String, at time: Timestamp) async throws(StoreError) -> APIKey?
    /// Notes that the key was used at `time` (never moves it back).
    func recordAPIKeyUse(id: String, at time: Timestamp) async throws(StoreError)
}

extension StoreError {
    public static func apiKeyNameTaken(_ name: String) -> StoreError {
        StoreError(.conflict, "an API key named '\(name)' exists and is not revoked; revoke it first or choose another name")
    }
}
