/// How `serve` verifies JSON Web Tokens: who must have issued them, for whom, with which keys,
/// and where the token says what the caller may do.
public struct JWTSettings: Sendable, Hashable {
    /// `iss` must equal it.
    public var issuer: String
    /// `aud` must be or contain it.
    public var audience: String
    /// A file holding the HS256 shared secret (at least 32 bytes; a trailing newline is dropped).
    public var hmacKeyFile: String?
    /// A JWKS file with the RS256 / ES256 public keys; read again when it changes.
    public var jwksFile: String?
    /// The claim listing the caller's grants (`["operator@orders", "viewer"]`, or one string
    /// separated by spaces). Default: `roles`.
    public var rolesClaim: String
    /// Clock skew allowed on `exp` and `nbf`. Default: 60 s.
    public var leewaySeconds: Int64

    public init(issuer: String, audience: String, hmacKeyFile: String? = nil, jwksFile: String? = nil, rolesClaim: String = "roles", leewaySeconds: Int64 = 60) {
        self.issuer = issuer
        self.audience = audience
        self.hmacKeyFile = hmacKeyFile
        self.jwksFile = jwksFile
        self.rolesClaim = rolesClaim
        self.leewaySeconds = leewaySeconds
    }
}
