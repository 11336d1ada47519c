/// An authentication, authorization or security-configuration failure, with what to do about it.
public struct SecurityError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// No credentials, or credentials that prove nothing (unknown, expired, revoked, forged): 401.
        case unauthenticated
        /// Valid credentials without the right: 403.
        case forbidden
        /// A role, grant or key setting that cannot be used.
        case invalidConfiguration
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
