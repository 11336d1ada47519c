import BatonCore
import BatonExpressions
import Foundation

/// The effective settings: defaults, then the configuration file, then environment variables,
/// then flags, each later one winning; with where each value came from.
public struct ResolvedSettings: Sendable {
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        case defaultValue
        case file(String)
        case environment(String)
        case flag(String)

        public var description: String {
            switch self {
            case .defaultValue: "default"
            case .file(let name): name
            case .environment(let name): "$" + name
            case .flag(let name): "--" + name
            }
        }
    }

    public let catalog: [Setting]
    var values: [String: JSONValue] = [:]
    var sources: [String: Source] = [:]

    public func source(_ key: String) -> Source? { sources[key] }

    /// A string, integer, boolean or duration setting as text; nil when unset.
    public func text(_ key: String) -> String? { values[key]?.stringValue }

    public func integer(_ key: String) -> Int? { text(key).flatMap { Int($0) } }

    public func boolean(_ key: String) -> Bool? { text(key).map { $0 == "true" } }

    public func milliseconds(_ key: String) -> Int64? { text(key).flatMap { parseDuration(.string($0)) } }

    public func map(_ key: String) -> [String: String] {
        guard case .object(let members)? = values[key] else { return [:] }
        return members.compactMapValues(\.stringValue)
    }

    public func object(_ key: String) -> JSONValue? { values[key] }

    /// `key = value  (source)` per setting, secrets masked: what `baton config check` prints.
    public func report() -> String {
        catalog.map { setting in
            let shown: String
            switch values[setting.key] {
            case nil: shown = "(unset)"
            case .object(let members)? where setting.kind == .map:
                shown = members.isEmpty ? "{}" : members.keys.sorted().map { "\($0)=\(Self.maskedProperty($0, members[$0]?.stringValue ?? ""))" }.joined(separator: ", ")
            case let value?:
                let raw = value.stringValue ?? value.serialized()
                shown = setting.isSecret ? Self.maskedURL(raw) : raw
            }
            return "\(setting.key) = \(shown)  (\(sources[setting.key]?.description ?? "unset"))"
        }.joined(separator: "\n")
    }

    /// A librdkafka property's value, `***` when its name says it is a secret.
    static func maskedProperty(_ key: String, _ value: String) -> String {
        let lowered = key.lowercased()
        let secret = ["password", "secret", "jaas", "oauthbearer.config", "token"].contains { lowered.contains($0) }
        return secret ? "***" : value
    }

    /// A URL with its password replaced by `***`; anything else unchanged.
    static func maskedURL(_ value: String) -> String {
        guard value.contains("://"), var components = URLComponents(string: value), components.password != nil else { return value }
        components.password = "***"
        return components.string ?? value
    }
}
