import BatonCore
import BatonExpressions

/// Layers defaults, a configuration file, the environment and flags over each other, checking
/// every value against its setting's kind and refusing unknown keys (a misspelt key silently
/// ignored is a production incident, as in definitions).
public enum SettingsResolver {
    /// - Parameters:
    ///   - file: the configuration file's name (for messages) and its document (YAML or JSON).
    ///   - flags: values by flag name (without `--`); a repeatable flag has several.
    public static func resolve(
        _ catalog: [Setting], file: (name: String, document: JSONValue)?, environment: [String: String], flags: [String: [String]]
    ) throws(SettingsError) -> ResolvedSettings {
        var settings = ResolvedSettings(catalog: catalog)
        var problems: [String] = []
        let byKey = Dictionary(uniqueKeysWithValues: catalog.map { ($0.key, $0) })

        for setting in catalog {
            if let value = setting.defaultValue {
                settings.values[setting.key] = .string(value)
                settings.sources[setting.key] = .defaultValue
            }
        }
        if let file {
            var found: [(Setting, JSONValue)] = []
            collect(file.document, path: "", byKey: byKey, found: &found, problems: &problems, fileName: file.name)
            for (setting, value) in found {
                let source = ResolvedSettings.Source.file(file.name)
                if let normalized = normalize(value, for: setting, source: source, problems: &problems) {
                    settings.values[setting.key] = normalized
                    settings.sources[setting.key] = source
                }
            }
        }
        for setting in catalog {
            guard let name = setting.environment, let raw = environment[name], !raw.isEmpty else { continue }
            let source = ResolvedSettings.Source.environment(name)
            if let normalized = normalize(.string(raw), for: setting, source: source, problems: &problems) {
                settings.values[setting.key] = normalized
                settings.sources[setting.key] = source
            }
        }
        for setting in catalog {
            guard let name = setting.flag, let given = flags[name], !given.isEmpty else { continue }
            let source = ResolvedSettings.Source.flag(name)
            if setting.kind == .map {
                // Flags add to the file's pairs instead of replacing them.
                var members: [String: JSONValue] = [:]
                if case .object(let existing)? = settings.values[setting.key] { members = existing }
                for pair in given {
                    guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                        problems.append("\(setting.key) from \(source): takes key=value, got '\(pair)'")
                        continue
                    }
                    members[String(pair[..<equals])] = .string(String(pair[pair.index(after: equals)...]))
                }
                settings.values[setting.key] = .object(members)
                settings.sources[setting.key] = source
            } else if let normalized = normalize(.string(given.last!), for: setting, source: source, problems: &problems) {
                settings.values[setting.key] = normalized
                settings.sources[setting.key] = source
            }
        }
        if !problems.isEmpty { throw SettingsError(problems: problems) }
        return settings
    }

    /// Walks the file's nested objects down to the catalog's keys.
    private static func collect(
        _ node: JSONValue, path: String, byKey: [String: Setting], found: inout [(Setting, JSONValue)], problems: inout [String], fileName: String
    ) {
        guard case .object(let members) = node else {
            problems.append("\(fileName): \(path.isEmpty ? "the file" : "'\(path)'") must be a mapping of settings, found \(node.typeName)")
            return
        }
        for name in members.keys.sorted() {
            let key = path.isEmpty ? name : path + "." + name
            let value = members[name]!
            if let setting = byKey[key] {
                found.append((setting, value))
            } else if byKey.keys.contains(where: { $0.hasPrefix(key + ".") }) {
                collect(value, path: key, byKey: byKey, found: &found, problems: &problems, fileName: fileName)
            } else {
                let suggestion = closest(to: key, in: Array(byKey.keys)).map { " (did you mean '\($0)'?)" } ?? ""
                problems.append("\(fileName): unknown setting '\(key)'\(suggestion)")
            }
        }
    }

    /// The value in its canonical form (text for scalars), or nil with a problem recorded.
    private static func normalize(_ value: JSONValue, for setting: Setting, source: ResolvedSettings.Source, problems: inout [String]) -> JSONValue? {
        func problem(_ message: String) -> JSONValue? {
            problems.append("\(setting.key) from \(source): \(message)")
            return nil
        }
        switch setting.kind {
        case .map:
            guard case .object(let members) = value else { return problem("must be a mapping of key: value, found \(value.typeName)") }
            var pairs: [String: JSONValue] = [:]
            for (name, member) in members {
                guard let text = scalarText(member) else { return problem("'\(name)' must be a string, number or boolean, found \(member.typeName)") }
                pairs[name] = .string(text)
            }
            return .object(pairs)
        case .object:
            if case .object = value { return value }
            guard case .string(let text) = value else { return problem("must be an object, found \(value.typeName)") }
            guard let parsed = try? JSONValue.parse(Array(text.utf8)), case .object = parsed else { return problem("must be a JSON object, got '\(text)'") }
            return parsed
        case .string, .integer, .boolean, .duration:
            guard let text = scalarText(value) else { return problem("must be a single value, found \(value.typeName)") }
            switch setting.kind {
            case .integer where Int(text) == nil: return problem("'\(text)' is not a whole number")
            case .boolean where text != "true" && text != "false": return problem("must be true or false, got '\(text)'")
            case .duration where parseDuration(.string(text)) == nil: return problem("'\(text)' is not a duration such as 30s, 10m or 1h")
            default: return .string(text)
            }
        }
    }

    private static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        default: nil
        }
    }

    /// The known key nearest to a misspelt one (edit distance ≤ 3).
    static func closest(to key: String, in keys: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var current = [i + 1]
                for (j, cb) in b.enumerated() { current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))) }
                previous = current
            }
            return previous[b.count]
        }
        let scored = keys.map { ($0, distance(Array(key.lowercased()), Array($0.lowercased()))) }.filter { $0.1 <= 3 }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }
}
