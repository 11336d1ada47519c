/// One setting of `baton serve`: its key in the configuration file, its environment variable
/// and flag, its default, and what it is for. The catalog (``Setting/serve``) is the single source
/// for resolving, for `baton config check` and for the README's table (a test keeps them equal).
public struct Setting: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case string, integer, boolean, duration
        /// `key: value` pairs (the file), `key=value` (repeatable flag).
        case map
        /// A JSON object (the file), or its JSON text (environment, flag).
        case object
    }

    /// Dotted path in the configuration file, e.g. `api.port`.
    public var key: String
    public var environment: String?
    /// Without the leading `--`.
    public var flag: String?
    public var kind: Kind
    /// As the README shows it; nil: unset unless given.
    public var defaultValue: String?
    public var summary: String
    /// Printed masked by `baton config check` and in logs.
    public var isSecret = false
}
