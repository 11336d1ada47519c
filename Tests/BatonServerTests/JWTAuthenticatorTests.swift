import BatonCore
import BatonExpressions
import BatonSecurity
import BatonServer
import Crypto
import Foundation
import JWTKit
import Logging
import Testing

/// The JWT half of the attack list: every token below must be refused, and the good ones accepted,
/// signed by jwt-kit itself (HS256 with a shared secret, ES256 with a key from a JWKS file).
@Suite("JWT authentication")
struct JWTAuthenticatorTests {
    /// Any claims, as a token carries them.
    struct Payload: JWTPayload {
        var claims: [String: JSONValue]
        init(_ claims: [String: JSONValue]) { self.claims = claims }
        init(from decoder: any Decoder) throws { claims = try decoder.singleValueContainer().decode([String: JSONValue].self) }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(claims)
        }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static let secret = "a-shared-secret-of-at-least-32-bytes!"
    static let now = Timestamp.wallClock

    static func claims(_ changes: [String: JSONValue?] = [:]) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [
            "iss": "https://id.example.com", "aud": ["baton", "other"], "sub": "alice",
            "exp": .number(Double(now.milliseconds / 1000 + 600)), "nbf": .number(Double(now.milliseconds / 1000 - 10)),
            "roles": ["operator@orders", "viewer"],
        ]
        for (key, value) in changes { claims[key] = value }
        return claims
    }

    /// A folder with the HS256 secret and a JWKS holding one ES256 public key, and that key.
    struct Keys {
        let folder: URL
        let hmacFile: String
        let jwksFile: String
        let es256: ES256PrivateKey

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-jwt-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            hmacFile = folder.appendingPathComponent("hmac.key").path
            jwksFile = folder.appendingPathComponent("jwks.json").path
            try Data((JWTAuthenticatorTests.secret + "\n").utf8).write(to: URL(fileURLWithPath: hmacFile))
            es256 = try ES256PrivateKey(backing: P256.Signing.PrivateKey())
            try Self.writeJWKS([("ec-1", es256)], to: jwksFile)
        }

        static func writeJWKS(_ keys: [(String, ES256PrivateKey)], to path: String) throws {
            let entries: [JSONValue] = keys.map { kid, key in
                ["kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": .string(kid), "x": .string(key.parameters!.x), "y": .string(key.parameters!.y)]
            }
            try Data(JSONValue.object(["keys": .array(entries)]).serializedBytes()).write(to: URL(fileURLWithPath: path))
        }

        var settings: JWTSettings {
            JWTSettings(issuer: "https://id.example.com", audience: "baton", hmacKeyFile: hmacFile, jwksFile: jwksFile)
        }
    }

    static func authenticator(_ keys: Keys) async throws -> JWTAuthenticator {
        var logger = Logger(label: "jwt-test")
        logger.logLevel = .critical
        return try await JWTAuthenticator(settings: keys.settings, roles: try RoleCatalog(), clock: { now }, logger: logger)
    }

    static func hs256(_ claims: [String: JSONValue], secret: String = JWTAuthenticatorTests.secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(Payload(claims))
    }

    static func es256(_ claims: [String: JSONValue], key: ES256PrivateKey, kid: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        return try await keys.sign(Payload(claims), kid: JWKIdentifier(string: kid))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A token with any header and signature, as an attacker writes one.
    static func forged(header: JSONValue, claims: [String: JSONValue], signature: [UInt8] = []) -> String {
        base64URL(header.serializedBytes()) + "." + base64URL(JSONValue.object(claims).serializedBytes()) + "." + base64URL(signature)
    }

    /// The classic confusion: HS256 "signed" with the verifier's public key, naming its kid.
    static func confused(publicKey: [UInt8]) -> String {
        let header: JSONValue = ["alg": "HS256", "kid": "ec-1"]
        let input = base64URL(header.serializedBytes()) + "." + base64URL(JSONValue.object(claims()).serializedBytes())
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: publicKey))
        return input + "." + base64URL(Array(mac))
    }

    @Test func validTokensMapTheirSubjectAndRolesToAPrincipal() async throws {
        let keys = try Keys()
        let authenticator = try await Self.authenticator(keys)
        let principal = try await authenticator.principal(for: try await Self.hs256(Self.claims()))
        #expect(principal.name == "jwt:alice")
        #expect(principal.may(.instancesOperate, workflow: "orders"))
        #expect(!principal.may(.instancesOperate, workflow: "payments"))
        #expect(principal.may(.instancesRead, workflow: "payments"))
        let viaJWKS = try await authenticator.principal(for: try await Self.es256(Self.claims(["roles": "admin"]), key: keys.es256, kid: "ec-1"))
        #expect(viaJWKS.may(.keysManage))
    }

    @Test func theAttackListIsRefused() async throws {
        let keys = try Keys()
        let authenticator = try await Self.authenticator(keys)
        let now = Double(Self.now.milliseconds / 1000)
        let other = try ES256PrivateKey(backing: P256.Signing.PrivateKey())
        let publicKeyBytes = Array(keys.es256.publicKey.pemRepresentation.utf8)
        let attacks: [(String, String)] = [
            ("expired", try await Self.hs256(Self.claims(["exp": .number(now - 120)]))),
            ("no exp", try await Self.hs256(Self.claims(["exp": nil]))),
            ("not yet valid", try await Self.hs256(Self.claims(["nbf": .number(now + 3600)]))),
            ("wrong secret", try await Self.hs256(Self.claims(), secret: "another-shared-secret-of-32-bytes-or-more")),
            ("wrong issuer", try await Self.hs256(Self.claims(["iss": "https://evil.example.com"]))),
            ("wrong audience", try await Self.hs256(Self.claims(["aud": "someone-else"]))),
            ("no audience", try await Self.hs256(Self.claims(["aud": nil]))),
            ("no subject", try await Self.hs256(Self.claims(["sub": nil]))),
            ("no roles", try await Self.hs256(Self.claims(["roles": nil]))),
            ("unknown role", try await Self.hs256(Self.claims(["roles": ["root"]]))),
            ("alg none", Self.forged(header: ["alg": "none", "typ": "JWT"], claims: Self.claims())),
            ("alg None", Self.forged(header: ["alg": "None"], claims: Self.claims())),
            ("alg HS512", Self.forged(header: ["alg": "HS512"], claims: Self.claims(), signature: Array(repeating: 1, count: 64))),
            ("key from another JWKS", try await Self.es256(Self.claims(), key: other, kid: "ec-1")),
            ("unknown kid", try await Self.es256(Self.claims(), key: other, kid: "ec-9")),
            ("public key as HMAC secret", Self.confused(publicKey: publicKeyBytes)),
            ("tampered claims", try await {
                let good = try await Self.hs256(Self.claims())
                let parts = good.split(separator: ".")
                return parts[0] + "." + Self.base64URL(JSONValue.object(Self.claims(["roles": "admin"])).serializedBytes()) + "." + parts[2]
            }()),
            ("two parts", "eyJhbGciOiJIUzI1NiJ9.e30"),
            ("not base64", "%%%.%%%.%%%"),
        ]
        var accepted: [String] = []
        for (name, token) in attacks {
            do {
                let principal = try await authenticator.principal(for: token)
                accepted.append("\(name) → \(principal.name)")
            } catch {
                #expect(error.code == .unauthenticated, "\(name): \(error)")
            }
        }
        #expect(accepted.isEmpty, "accepted: \(accepted)")
        print("JWT attack list: \(attacks.count) tried, \(accepted.count) got in")
    }

    @Test func aChangedJWKSFileIsReadAgainWithoutARestart() async throws {
        let keys = try Keys()
        let authenticator = try await Self.authenticator(keys)
        let rotated = try ES256PrivateKey(backing: P256.Signing.PrivateKey())
        let token = try await Self.es256(Self.claims(), key: rotated, kid: "ec-2")
        await #expect(throws: SecurityError.self) { try await authenticator.principal(for: token) }
        try Keys.writeJWKS([("ec-1", keys.es256), ("ec-2", rotated)], to: keys.jwksFile)
        // Files are looked at no more than once a second.
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await authenticator.principal(for: token).name == "jwt:alice")
        // A broken file keeps the keys read before.
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: keys.jwksFile))
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await authenticator.principal(for: token).name == "jwt:alice")
    }

    @Test func aShortSecretOrNoKeysAreRefusedAtStart() async throws {
        let keys = try Keys()
        try Data("short".utf8).write(to: URL(fileURLWithPath: keys.hmacFile))
        await #expect(throws: SecurityError.self) { _ = try await Self.authenticator(keys) }
        await #expect(throws: SecurityError.self) {
            _ = try await JWTAuthenticator(settings: JWTSettings(issuer: "i", audience: "a"), roles: try RoleCatalog(), logger: Logger(label: "t"))
        }
    }
}
