/// Every problem found in the configuration file, the environment and the flags at once, each
/// naming the setting and where its value came from, so one fix-and-restart cycle is enough.
public struct SettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [String]

    public var description: String {
        problems.count == 1 ? problems[0] : "\(problems.count) configuration problems:\n" + problems.map { "- " + $0 }.joined(separator: "\n")
    }
}
