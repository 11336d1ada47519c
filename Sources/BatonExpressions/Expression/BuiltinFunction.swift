/// The functions an expression may call. There is deliberately no way to define more from a
/// workflow definition: expressions must stay total, cheap and free of side effects.
enum BuiltinFunction: String, Sendable, CaseIterable {
    case len, exists, lower, upper, contains, startsWith, endsWith
    case string, number, abs, min, max, round, floor, ceil
    case not, coalesce, keys

    /// Accepted argument counts, checked when the expression is parsed.
    var arity: ClosedRange<Int> {
        switch self {
        case .len, .exists, .lower, .upper, .string, .number, .abs, .floor, .ceil, .not, .keys: 1...1
        case .contains, .startsWith, .endsWith: 2...2
        case .round: 1...2
        case .min, .max, .coalesce: 1...Int.max
        }
    }

    /// "takes exactly 1 argument", "takes 1 or 2 arguments", "takes at least 1 argument".
    var arityDescription: String {
        let range = arity
        func arguments(_ count: Int) -> String { count == 1 ? "1 argument" : "\(count) arguments" }
        if range.upperBound == Int.max { return "takes at least \(arguments(range.lowerBound))" }
        if range.lowerBound == range.upperBound { return "takes exactly \(arguments(range.lowerBound))" }
        if range.upperBound == range.lowerBound + 1 {
            return "takes \(range.lowerBound) or \(arguments(range.upperBound))"
        }
        return "takes \(range.lowerBound) to \(arguments(range.upperBound))"
    }

    /// Names people reach for from other languages, mapped to ours (keys are lower-cased).
    static let aliases: [String: BuiltinFunction] = [
        "length": .len, "size": .len, "count": .len,
        "lowercase": .lower, "tolower": .lower, "tolowercase": .lower,
        "uppercase": .upper, "toupper": .upper, "touppercase": .upper,
        "includes": .contains, "has": .contains,
        "starts_with": .startsWith, "hasprefix": .startsWith, "beginswith": .startsWith,
        "ends_with": .endsWith, "hassuffix": .endsWith,
        "str": .string, "tostring": .string,
        "num": .number, "tonumber": .number, "int": .number, "float": .number, "parseint": .number,
        "parsefloat": .number,
        "ifnull": .coalesce, "nvl": .coalesce, "default": .coalesce,
        "defined": .exists, "isdefined": .exists,
        "minimum": .min, "maximum": .max, "absolute": .abs,
    ]

    /// The function someone most likely meant by `name`, for "did you mean" hints: a case-only
    /// difference, a known alias, a close misspelling of either, or a name that starts with ours.
    static func suggestion(for name: String) -> BuiltinFunction? {
        let lowered = name.lowercased()
        if let exact = allCases.first(where: { $0.rawValue.lowercased() == lowered }) { return exact }
        if let alias = aliases[lowered] { return alias }
        var best: (function: BuiltinFunction, distance: Int)?
        let candidates = allCases.map { ($0.rawValue.lowercased(), $0) } + aliases.map { ($0.key, $0.value) }
        let limit = Swift.max(1, lowered.count / 3)
        for (candidate, function) in candidates.sorted(by: { $0.0 < $1.0 }) {
            let distance = EditDistance.between(lowered, candidate)
            if distance <= limit, distance < best?.distance ?? Int.max { best = (function, distance) }
        }
        if let best { return best.function }
        return allCases.first { $0.rawValue.count >= 3 && lowered.hasPrefix($0.rawValue.lowercased()) }
    }
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions each cost 1, so "lenght" is one edit from "length".
enum EditDistance {
    static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = Swift.min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
