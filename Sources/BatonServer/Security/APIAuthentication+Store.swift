import BatonAPI
import BatonCore
import BatonSecurity
import BatonStore
import Logging

extension BatonConfiguration.API {
    /// How the API authenticates its callers; refuses to start when nobody could administer it.
    ///
    /// Without `insecureNoAuth`, an API nobody holds an admin key for is one nobody can manage
    /// (and a first key would have to be made over an open API): `serve` stops with the command
    /// that makes one instead.
    func authentication(store: any WorkflowStore, now: Timestamp = .wallClock, logger: Logger) async throws -> APIAuthentication {
        if insecureNoAuth {
            logger.warning(
                "authentication is OFF (--insecure-no-auth): anyone who reaches the API may do anything, and X-Baton-Actor names the actor in history; never expose it",
                metadata: ["api": "\(host):\(port)"])
            return .disabled
        }
        let roles = try RoleCatalog()
        let keys = store as? any APIKeyStore
        var jwtAuthenticator: JWTAuthenticator?
        if let jwt {
            jwtAuthenticator = try await JWTAuthenticator(settings: jwt, roles: roles, logger: logger)
        }
        let admins = try await keys?.apiKeys().filter { key in
            key.revokedAt == nil && (key.expiresAt.map { $0 > now } ?? true)
                && key.grants.contains { (try? Grant(parsing: $0, roles: roles)) == Grant(role: .admin) }
        } ?? []
        // With JWTs, the identity provider grants admin; without, an admin key must exist.
        guard !admins.isEmpty || jwtAuthenticator != nil else {
            throw SecurityError(
                .invalidConfiguration,
                "no active API key holds the admin role, so nobody could manage this API. Create one (its token is printed once): `baton keys create --name admin --grant admin --store <the same store>`; or configure JWTs (security.jwt.*); or start with --insecure-no-auth where nobody else can reach the API (not for production)"
            )
        }
        logger.info(
            "API authentication: bearer tokens",
            metadata: ["adminKeys": "\(admins.count)", "jwtIssuer": "\(jwt?.issuer ?? "-")", "openProbes": "\(openProbes.sorted().joined(separator: ","))"])
        let keyAuthenticator = keys.map { StoreKeyAuthenticator(store: $0, roles: roles, logger: logger) }
        return .required(BearerTokens(keys: keyAuthenticator, jwt: jwtAuthenticator), openProbes: openProbes)
    }
}
