import BatonSecurity

/// Turns the token a caller presents (`Authorization: Bearer …`) into a principal.
///
/// The API knows nothing of where keys live or how tokens are signed: the composition root hands
/// it one of these (API keys in the store, JWTs, or both).
public protocol BearerAuthenticator: Sendable {
    /// - Throws: `SecurityError(.unauthenticated, reason)` when the token proves nothing; the
    ///   reason goes to the log, never to the caller (who learns only that it was refused).
    func principal(for token: String) async throws(SecurityError) -> Principal
}

/// How the API establishes who calls it.
public enum APIAuthentication: Sendable {
    /// Every caller is `Principal.anonymous` (an admin), and `X-Baton-Actor` names the actor in
    /// history. Only for a deployment that chose it (`--insecure-no-auth`) or for tests.
    case disabled
    /// Every route but the API's description needs a bearer token, except the probes named in
    /// `openProbes` (paths such as `/livez`).
    case required(any BearerAuthenticator, openProbes: Set<String>)

    /// The probes left open by default: a Kubernetes probe sends no credentials; `/metrics`
    /// names workflows and is left to a scraper that sends a token.
    public static let defaultOpenProbes: Set<String> = ["/livez", "/readyz"]
}
