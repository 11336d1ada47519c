import BatonAPI
import BatonCore
import BatonExpressions
import BatonSecurity
import Foundation
import JWTKit
import Logging
import Synchronization

/// Verifies bearer JWTs (HS256 with a shared secret, RS256 / ES256 with keys from a JWKS file)
/// through vapor/jwt-kit, then checks the claims against Baton's own clock.
///
/// Only the three algorithms are accepted, and the key that verifies must be of the algorithm
/// the header names: `alg: none` and a public key used as an HMAC secret are refused before any
/// signature is checked. The JWKS file is read again (at most once a second) when its size or
/// modification time changes, so keys rotate without a restart; a file that no longer parses
/// keeps the keys read before it, with an error in the log.
public final class JWTAuthenticator: BearerAuthenticator {
    static let algorithms: Set<String> = ["HS256", "RS256", "ES256"]

    let settings: JWTSettings
    let roles: RoleCatalog
    let clock: @Sendable () -> Timestamp
    let logger: Logger
    private struct Loaded {
        var keys: JWTKeyCollection
        var stamps: [String: String]
        var checkedAt: ContinuousClock.Instant
    }
    private let loaded: Mutex<Loaded>

    /// - Throws: `SecurityError(.invalidConfiguration)` when no key source is set or one cannot be read.
    public init(settings: JWTSettings, roles: RoleCatalog, clock: @escaping @Sendable () -> Timestamp = { .wallClock }, logger: Logger) async throws(SecurityError) {
        guard settings.hmacKeyFile != nil || settings.jwksFile != nil else {
            throw SecurityError(.invalidConfiguration, "JWT verification needs security.jwt.hmacKeyFile, security.jwt.jwksFile or both")
        }
        self.settings = settings
        self.roles = roles
        self.clock = clock
        self.logger = logger
        let keys = try await Self.load(settings)
        loaded = Mutex(Loaded(keys: keys, stamps: Self.stamps(settings), checkedAt: .now))
    }

    public func principal(for token: String) async throws(SecurityError) -> Principal {
        let (alg, kid) = try Self.header(of: token)
        guard Self.algorithms.contains(alg) else { throw refusal("algorithm '\(alg)' is not accepted (HS256, RS256, ES256)") }
        let keys = await currentKeys()
        let claims: Claims
        do {
            let key = try await keys.getKey(for: kid.map { JWKIdentifier(string: $0) }, alg: alg)
            guard key.name == alg else { throw refusal("the token names \(alg), its key is \(key.name)") }
            claims = try await keys.verify(token, as: Claims.self)
        } catch let error as SecurityError {
            throw error
        } catch {
            throw refusal("not verified: \(error)")
        }
        return try principal(from: claims.values)
    }

    /// The claims' checks, on Baton's clock.
    func principal(from claims: [String: JSONValue]) throws(SecurityError) -> Principal {
        let now = clock().milliseconds / 1000
        guard case .number(let exp)? = claims["exp"] else { throw refusal("no exp claim") }
        guard Int64(exp) + settings.leewaySeconds > now else { throw refusal("expired at \(Int64(exp))") }
        if let nbf = claims["nbf"] {
            guard case .number(let notBefore) = nbf else { throw refusal("nbf is not a number") }
            guard Int64(notBefore) - settings.leewaySeconds <= now else { throw refusal("not valid before \(Int64(notBefore))") }
        }
        guard claims["iss"]?.stringValue == settings.issuer else { throw refusal("issuer '\(claims["iss"]?.stringValue ?? "-")' is not '\(settings.issuer)'") }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let one)?: audiences = [one]
        case .array(let many)?: audiences = many.compactMap(\.stringValue)
        default: audiences = []
        }
        guard audiences.contains(settings.audience) else { throw refusal("audience \(audiences) does not name '\(settings.audience)'") }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty, subject.count <= 200 else { throw refusal("no subject") }
        let granted: [String]
        switch claims[settings.rolesClaim] {
        case .string(let text)?: granted = text.split(separator: " ").map(String.init)
        case .array(let items)?: granted = items.compactMap(\.stringValue)
        default: granted = []
        }
        guard !granted.isEmpty else { throw refusal("claim '\(settings.rolesClaim)' grants nothing") }
        var grants: [Grant] = []
        for text in granted {
            do {
                grants.append(try Grant(parsing: text, roles: roles))
            } catch {
                throw refusal("claim '\(settings.rolesClaim)': \(error.message)")
            }
        }
        return Principal(name: "jwt:\(subject)", grants: grants)
    }

    private func refusal(_ reason: String) -> SecurityError {
        SecurityError(.unauthenticated, "JWT: \(reason)")
    }

    /// `alg` and `kid` of the token's header, read before anything is verified.
    static func header(of token: String) throws(SecurityError) -> (alg: String, kid: String?) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = base64URLDecoded(parts[0]), case .object(let header)? = try? JSONValue.parse(bytes),
            let alg = header["alg"]?.stringValue
        else { throw SecurityError(.unauthenticated, "JWT: malformed") }
        return (alg, header["kid"]?.stringValue)
    }

    static func base64URLDecoded(_ text: Substring) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { Array($0) }
    }

    // MARK: Keys

    private func currentKeys() async -> JWTKeyCollection {
        let due = loaded.withLock { state -> Bool in
            guard ContinuousClock.now - state.checkedAt >= .seconds(1) else { return false }
            state.checkedAt = .now
            return true
        }
        guard due else { return loaded.withLock { $0.keys } }
        let stamps = Self.stamps(settings)
        guard stamps != loaded.withLock({ $0.stamps }) else { return loaded.withLock { $0.keys } }
        do {
            let keys = try await Self.load(settings)
            loaded.withLock {
                $0.keys = keys
                $0.stamps = stamps
            }
            logger.notice("JWT keys read again", metadata: ["jwks": "\(settings.jwksFile ?? "-")", "hmac": "\(settings.hmacKeyFile ?? "-")"])
            return keys
        } catch {
            loaded.withLock { $0.stamps = stamps }
            logger.error("JWT keys could not be read again; the keys read before stay in use", metadata: ["error": "\(error.message)"])
            return loaded.withLock { $0.keys }
        }
    }

    /// Size and modification time of each key file: a change means reading them again.
    static func stamps(_ settings: JWTSettings) -> [String: String] {
        var stamps: [String: String] = [:]
        for path in [settings.hmacKeyFile, settings.jwksFile].compactMap({ $0 }) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            stamps[path] = "\(attributes?[.size] ?? "-")/\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }
        return stamps
    }

    static func load(_ settings: JWTSettings) async throws(SecurityError) -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        if let path = settings.hmacKeyFile {
            guard var secret = FileManager.default.contents(atPath: path).map({ Array($0) }) else {
                throw SecurityError(.invalidConfiguration, "cannot read the JWT HMAC key file '\(path)'")
            }
            while secret.last == UInt8(ascii: "\n") || secret.last == UInt8(ascii: "\r") { secret.removeLast() }
            guard secret.count >= 32 else {
                throw SecurityError(.invalidConfiguration, "the JWT HMAC key in '\(path)' has \(secret.count) bytes; HS256 needs at least 32")
            }
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
        if let path = settings.jwksFile {
            guard let data = FileManager.default.contents(atPath: path) else { throw SecurityError(.invalidConfiguration, "cannot read the JWKS file '\(path)'") }
            do {
                try await keys.add(jwksJSON: String(decoding: data, as: UTF8.self))
            } catch {
                throw SecurityError(.invalidConfiguration, "the JWKS file '\(path)' does not parse: \(error)")
            }
        }
        return keys
    }
}

/// Every claim of a token, checked by `JWTAuthenticator` rather than by the payload type (so the
/// roles claim's name can be configured and the clock is Baton's).
struct Claims: JWTPayload {
    var values: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: JSONValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// API keys (tokens beginning `baton_`) and, when configured, JWTs, behind one bearer scheme.
public struct BearerTokens: BearerAuthenticator {
    let keys: (any BearerAuthenticator)?
    let jwt: (any BearerAuthenticator)?

    public init(keys: (any BearerAuthenticator)?, jwt: (any BearerAuthenticator)?) {
        self.keys = keys
        self.jwt = jwt
    }

    public func principal(for token: String) async throws(SecurityError) -> Principal {
        if token.hasPrefix("baton_"), let keys { return try await keys.principal(for: token) }
        if let jwt, token.split(separator: ".", omittingEmptySubsequences: false).count == 3 { return try await jwt.principal(for: token) }
        throw SecurityError(.unauthenticated, "neither an API key nor a JWT this deployment accepts")
    }
}
