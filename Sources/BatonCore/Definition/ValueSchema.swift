import BatonExpressions
import BatonJSONSchema

/// A definition's JSON Schema (2020-12) for its input or output, compiled when the definition is
/// registered so a bad schema is refused then, not at the first start.
///
/// Equal when their documents are equal: the compiled form is derived from the document.
public struct ValueSchema: Sendable, Hashable {
    public let document: JSONValue
    let compiled: JSONSchema

    public init(_ document: JSONValue) throws(SchemaError) {
        self.document = document
        self.compiled = try JSONSchema(document)
    }

    /// Every way `value` breaks the schema; empty when it conforms.
    public func validate(_ value: JSONValue) -> [ValidationError] {
        compiled.validate(value)
    }

    /// The first few errors as one line, for error messages.
    public static func summary(_ errors: [ValidationError], limit: Int = 3) -> String {
        let shown = errors.prefix(limit).map { "\($0.instancePath.isEmpty ? "/" : $0.instancePath): \($0.message)" }
        return shown.joined(separator: "; ") + (errors.count > limit ? "; and \(errors.count - limit) more" : "")
    }

    public static func == (a: ValueSchema, b: ValueSchema) -> Bool { a.document == b.document }
    public func hash(into hasher: inout Hasher) { hasher.combine(document) }
}
