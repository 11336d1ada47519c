import BatonExpressions

/// A definition's `key`: the business identity of an instance (an order id, a customer id), so
/// that a second start for the same thing while one runs finds the running one instead of
/// starting a twin.
public struct BusinessKey: Sendable, Hashable {
    /// Rendered on the start's input (`$.input`), like a step's input.
    public var template: JSONTemplate

    /// Keys longer than this are refused: they are an index column.
    public static let maxBytes = 255

    public init(template: JSONTemplate) {
        self.template = template
    }

    /// The key a start with `input` has: a string as it is, a number or boolean as written in
    /// JSON; nil when the template renders null (the start then has no key).
    ///
    /// - Throws: `BusinessKey.Failure` naming why, for the 422 or the dead letter.
    public func value(for input: JSONValue) throws(Failure) -> String? {
        let rendered: JSONValue
        do {
            rendered = try template.render(in: ["input": input, "steps": [:], "vars": [:]])
        } catch {
            throw Failure(message: "the key '\(sourceText)' could not be computed from the input: \(error.message)")
        }
        let key: String
        switch rendered {
        case .null: return nil
        case .string(let s): key = s
        case .number, .bool: key = rendered.serialized()
        default: throw Failure(message: "the key '\(sourceText)' must be a string or number, got \(rendered.typeName)")
        }
        guard !key.isEmpty, key.utf8.count <= Self.maxBytes else {
            throw Failure(message: "the key '\(sourceText)' must be 1–\(Self.maxBytes) bytes, got \(key.utf8.count)")
        }
        return key
    }

    var sourceText: String { template.source.stringValue ?? template.source.serialized() }

    public struct Failure: Error, Sendable, Hashable {
        public var message: String
    }
}
