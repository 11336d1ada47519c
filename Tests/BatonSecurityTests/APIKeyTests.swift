import BatonCore
import BatonSecurity
import Testing

/// API keys: shown once, stored as a salted HMAC, and refused for every reason a key can be bad.
@Suite struct APIKeyTests {
    let now = Timestamp(milliseconds: 1_800_000_000_000)
    let authenticator = APIKeyAuthenticator(roles: try! RoleCatalog())

    func refusal(_ token: String, _ stored: APIKey?, at time: Timestamp? = nil) async -> String? {
        do {
            _ = try await authenticator.authenticate(token: token, at: time ?? now) { id in stored?.id == id ? stored : nil }
            return nil
        } catch let refusal as APIKeyAuthenticator.Refusal {
            return refusal.reason
        } catch {
            return "\(error)"
        }
    }

    @Test func aGeneratedKeyAuthenticatesAsItsGrantsAndTheStoreNeverHoldsIt() async throws {
        let (key, token) = APIKey.generate(name: "deployer", grants: ["operator@orders"], createdBy: "cli", at: now)
        #expect(token.hasPrefix("baton_\(key.id)_") && token.count == 6 + 12 + 1 + 64)
        #expect(!key.digest.isEmpty && key.salt.count == 16)
        let stored = "\(key)"
        #expect(!stored.contains(String(token.suffix(64))), "the record holds no secret")
        let principal = try await authenticator.authenticate(token: token, at: now) { $0 == key.id ? key : nil }
        #expect(principal.name == "key:deployer")
        #expect(principal.may(.instancesStart, workflow: "orders") && !principal.may(.instancesStart, workflow: "payments"))
        let (other, otherToken) = APIKey.generate(name: "deployer", grants: ["admin"], createdBy: "cli", at: now)
        #expect(other.id != key.id && other.salt != key.salt && otherToken != token)
    }

    /// The attack list of keys: each one must fail to get in, for the reason named.
    @Test func everyBadKeyIsRefused() async throws {
        let (key, token) = APIKey.generate(name: "k", grants: ["viewer"], createdBy: "cli", at: now, expiresAt: now.adding(milliseconds: 60_000))
        let secret = String(token.suffix(64))
        let flipped = String(secret.dropLast()) + (secret.last == "0" ? "1" : "0")
        var revoked = key
        revoked.revokedAt = now
        var unknownRole = key
        unknownRole.grants = ["superuser"]
        let cases: [(String, String, APIKey?, Timestamp?)] = [
            ("empty", "", key, nil),
            ("no prefix", "\(key.id)_\(secret)", key, nil),
            ("uppercase", "baton_\(key.id.uppercased())_\(secret)", key, nil),
            ("short secret", "baton_\(key.id)_\(secret.dropLast())", key, nil),
            ("extra part", "baton_\(key.id)_\(secret)_x", key, nil),
            ("sql in id", "baton_' OR 1=1 --_\(secret)", key, nil),
            ("unknown id", "baton_000000000000_\(secret)", key, nil),
            ("one digit of the secret changed", "baton_\(key.id)_\(flipped)", key, nil),
            ("revoked", token, revoked, nil),
            ("expired", token, key, now.adding(milliseconds: 60_000)),
            ("a role no longer configured", token, unknownRole, nil),
        ]
        var refused = 0
        for (name, presented, stored, time) in cases {
            let reason = await refusal(presented, stored, at: time)
            #expect(reason != nil, "\(name) got in")
            if reason != nil { refused += 1 }
        }
        #expect(refused == cases.count)
        #expect(await refusal("baton_\(key.id)_\(flipped)", key) == "wrong secret")
        #expect(await refusal(token, revoked) == "revoked")
        #expect(await refusal(token, key, at: now.adding(milliseconds: 60_000)) == "expired")
        #expect(await refusal(token, key, at: now.adding(milliseconds: 59_999)) == nil)
    }
}
