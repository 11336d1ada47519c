/// Why a document could not be compiled into a ``JSONSchema``.
///
/// Compilation checks what validation relies on (keyword value types, regular expressions,
/// resolvable references) once, so that `validate` never has to report a broken schema as if
/// the instance were at fault.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. `pattern is not a valid regular expression: …`.
    public var message: String
    /// JSON pointer (RFC 6901) to the offending keyword inside its document, e.g.
    /// `/properties/sku/pattern`.
    public var pointer: String
    /// The URI of the document that holds `pointer` when it is not the compiled document itself
    /// (a schema reached through `$ref` from the ``SchemaRegistry``), otherwise `nil`.
    public var documentURI: String?

    /// Creates an error; the compiler fills every field, tests may build their own to compare.
    public init(message: String, pointer: String, documentURI: String? = nil) {
        self.message = message
        self.pointer = pointer
        self.documentURI = documentURI
    }

    /// e.g. `invalid schema at /properties/sku/pattern: pattern is not a valid regular expression`.
    public var description: String {
        let location = pointer.isEmpty ? "the root" : pointer
        if let documentURI { return "invalid schema at \(location) in \(documentURI): \(message)" }
        return "invalid schema at \(location): \(message)"
    }
}
