import BatonCore
import Crypto

/// An API key as the store keeps it: never the key itself, only a salted HMAC-SHA256 of its
/// secret, so a copy of the store lets no one call the API.
public struct APIKey: Sendable, Hashable {
    /// Public part of the key (12 hex digits), also the id operators revoke it by.
    public var id: String
    /// Unique, chosen by whoever created it (`ci-deployer`, `grafana`).
    public var name: String
    /// What it may do, as grant texts (`operator@orders`); read with a role catalog.
    public var grants: [String]
    public var salt: [UInt8]
    public var digest: [UInt8]
    public var createdAt: Timestamp
    /// Who created it (the actor recorded by the CLI or the admin route).
    public var createdBy: String
    public var expiresAt: Timestamp?
    public var revokedAt: Timestamp?
    /// Updated at most once a minute (a write per request would put the store on the read path).
    public var lastUsedAt: Timestamp?

    public init(
        id: String, name: String, grants: [String], salt: [UInt8], digest: [UInt8], createdAt: Timestamp, createdBy: String,
        expiresAt: Timestamp? = nil, revokedAt: Timestamp? = nil, lastUsedAt: Timestamp? = nil
    ) {
        self.id = id
        self.name = name
        self.grants = grants
        self.salt = salt
        self.digest = digest
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// A new key: the record to store, and the token to show once (`baton_<id>_<secret>`).
    public static func generate(name: String, grants: [String], createdBy: String, at now: Timestamp, expiresAt: Timestamp? = nil) -> (key: APIKey, token: String) {
        var generator = SystemRandomNumberGenerator()
        let id = LowercaseHex.encode((0..<6).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let secret = LowercaseHex.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = APIKey(id: id, name: name, grants: grants, salt: salt, digest: digest(secret: secret, salt: salt), createdAt: now, createdBy: createdBy, expiresAt: expiresAt)
        return (key, "baton_\(id)_\(secret)")
    }

    /// The id and secret of a token shaped as `generate` makes them; nil for anything else.
    public static func parse(token: String) -> (id: String, secret: String)? {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "baton", parts[1].utf8.count == 12, parts[2].utf8.count == 64,
              LowercaseHex.isHex(parts[1]), LowercaseHex.isHex(parts[2])
        else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    /// Whether `secret` is this key's, compared in constant time.
    public func matches(secret: String) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: Array(secret.utf8), using: SymmetricKey(data: salt))
    }

    static func digest(secret: String, salt: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(secret.utf8), using: SymmetricKey(data: salt)))
    }

}
