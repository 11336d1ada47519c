import BatonCore
import BatonExpressions
import BatonSecurity

/// A new key's checks and making, shared by `baton keys create` and `POST /v1/admin/keys`, so
/// both refuse the same names, grants and expiries with the same words.
public enum APIKeyIssue {
    /// - Parameter expiresIn: a duration of at least a minute (`90d`, `12h`), or nil for never.
    /// - Returns: the key to store and its token (shown once, never stored).
    public static func make(
        name: String, grants: [String], expiresIn: String?, by actor: String, at now: Timestamp, roles: RoleCatalog
    ) throws(SecurityError) -> (key: APIKey, token: String) {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw SecurityError(.invalidConfiguration, "a key name is 1–64 letters, digits, '-', '_' or '.'; got '\(name)'")
        }
        guard !grants.isEmpty else { throw SecurityError(.invalidConfiguration, "a key needs at least one grant (viewer, operator@orders, admin, …)") }
        guard grants.count <= 100 else { throw SecurityError(.invalidConfiguration, "a key holds at most 100 grants, got \(grants.count)") }
        for grant in grants { _ = try Grant(parsing: grant, roles: roles) }
        var expiry: Timestamp?
        if let expiresIn {
            guard let milliseconds = parseDuration(.string(expiresIn)), milliseconds >= 60_000 else {
                throw SecurityError(.invalidConfiguration, "expiry '\(expiresIn)' must be a duration of at least 1m, such as 90d or 12h")
            }
            expiry = now.adding(milliseconds: milliseconds)
        }
        return APIKey.generate(name: name, grants: grants, createdBy: actor, at: now, expiresAt: expiry)
    }
}
