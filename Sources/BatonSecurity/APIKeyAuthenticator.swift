import BatonCore

/// Turns a presented API key into a principal, or says why not.
///
/// Every refusal is `.unauthenticated` with the same message for the caller (no hint whether the
/// id exists); `reason` tells the log and the audit record which check failed.
public struct APIKeyAuthenticator: Sendable {
    public struct Refusal: Error, Sendable, Hashable {
        /// `malformed`, `unknown`, `wrong secret`, `revoked`, `expired`, `bad grant`.
        public var reason: String
        public var keyId: String?
    }

    public let roles: RoleCatalog

    public init(roles: RoleCatalog) {
        self.roles = roles
    }

    /// - Parameter lookup: the stored key with that id, if any.
    public func authenticate(token: String, at now: Timestamp, lookup: (String) async throws -> APIKey?) async throws -> Principal {
        guard let (id, secret) = APIKey.parse(token: token) else { throw Refusal(reason: "malformed", keyId: nil) }
        guard let key = try await lookup(id) else { throw Refusal(reason: "unknown", keyId: id) }
        guard key.matches(secret: secret) else { throw Refusal(reason: "wrong secret", keyId: id) }
        if key.revokedAt != nil { throw Refusal(reason: "revoked", keyId: id) }
        if let expiry = key.expiresAt, expiry <= now { throw Refusal(reason: "expired", keyId: id) }
        do {
            return Principal(name: "key:\(key.name)", grants: try key.grants.map { text throws(SecurityError) in try Grant(parsing: text, roles: roles) })
        } catch {
            // A role removed from the configuration since the key was made: the key grants nothing.
            throw Refusal(reason: "bad grant (\(error.message))", keyId: id)
        }
    }
}
