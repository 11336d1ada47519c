import BatonExpressions

/// How error messages show values: briefly, as JSON, and never as a whole document.
///
/// Messages end up in API responses and logs; an instance may be large or hold data that does
/// not belong in a log line, so values are shown as literals only when short and truncated otherwise.
enum ValueDescription {
    /// Longest literal shown before truncation, in characters.
    static let limit = 60

    /// The value after "found", e.g. `string "12"`, `number 1.5`, `boolean true`, `null`,
    /// `array of 3 items`, `object`.
    static func found(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "boolean \(flag)"
        case .number(let number): "number \(self.number(number))"
        case .string(let string): "string \(quoted(string))"
        case .array(let elements): "array of \(count(elements.count, "item"))"
        case .object: "object"
        }
    }

    /// A number as JSON writes it: `3`, `0.5`, `1e+300`.
    static func number(_ number: Double) -> String {
        JSONValue.number(number).serialized()
    }

    /// Any value as compact JSON, truncated.
    static func literal(_ value: JSONValue) -> String {
        truncated(value.serialized())
    }

    /// A string as a JSON string literal (quotes and escapes), truncated.
    static func quoted(_ string: String) -> String {
        literal(.string(string))
    }

    /// Several values as `"a", "b" or 3`, listing at most eight.
    static func alternatives(_ values: [JSONValue]) -> String {
        let shown = values.prefix(8).map(literal)
        guard shown.count > 1 else { return shown.first ?? "nothing" }
        if values.count > shown.count { return shown.joined(separator: ", ") + " or one of \(values.count - shown.count) more" }
        return shown.dropLast().joined(separator: ", ") + " or " + (shown.last ?? "")
    }

    /// `1 item`, `3 items`.
    static func count(_ count: Int, _ singular: String) -> String {
        "\(count) \(singular)\(count == 1 ? "" : "s")"
    }

    /// `1 character`, `2 properties` — for nouns whose plural is not just an added "s".
    static func count(_ count: Int, _ singular: String, plural: String) -> String {
        "\(count) \(count == 1 ? singular : plural)"
    }

    private static func truncated(_ text: String) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }
}
