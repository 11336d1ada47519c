import BatonAPI
import BatonCore
import BatonSecurity
import BatonStore
import Logging
import Synchronization

/// Authenticates API keys against the store's `api_keys` table.
///
/// One indexed read per request (the key id is the token's prefix); the secret is compared by
/// its HMAC in constant time (`APIKey.matches`). Last use is written at most once a minute per
/// key, off the request's path, so a busy client costs no write per call.
public final class StoreKeyAuthenticator: BearerAuthenticator {
    let store: any APIKeyStore
    let authenticator: APIKeyAuthenticator
    let clock: @Sendable () -> Timestamp
    let logger: Logger
    /// When each key's use was last written.
    private let lastWritten = Mutex<[String: Timestamp]>([:])
    static let useWriteInterval: Int64 = 60_000

    public init(store: any APIKeyStore, roles: RoleCatalog, clock: @escaping @Sendable () -> Timestamp = { .wallClock }, logger: Logger) {
        self.store = store
        self.authenticator = APIKeyAuthenticator(roles: roles)
        self.clock = clock
        self.logger = logger
    }

    public func principal(for token: String) async throws(SecurityError) -> Principal {
        let now = clock()
        let store = store
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(token: token, at: now) { id in try await store.apiKey(id: id) }
        } catch let refusal as APIKeyAuthenticator.Refusal {
            throw SecurityError(.unauthenticated, "API key \(refusal.keyId ?? "-"): \(refusal.reason)")
        } catch {
            // The store failed: not the caller's fault, but nothing is proven either.
            logger.warning("could not read API keys to authenticate a request", metadata: ["error": "\(error)"])
            throw SecurityError(.unauthenticated, "the key store could not be read: \(error)")
        }
        if let id = APIKey.parse(token: token)?.id { noteUse(of: id, at: now) }
        return principal
    }

    private func noteUse(of id: String, at now: Timestamp) {
        let due = lastWritten.withLock { written -> Bool in
            if let last = written[id], now.milliseconds - last.milliseconds < Self.useWriteInterval { return false }
            written[id] = now
            return true
        }
        guard due else { return }
        let store = store
        let logger = logger
        Task {
            do {
                try await store.recordAPIKeyUse(id: id, at: now)
            } catch {
                logger.debug("could not record an API key's use", metadata: ["key": "\(id)", "error": "\(error)"])
            }
        }
    }
}
