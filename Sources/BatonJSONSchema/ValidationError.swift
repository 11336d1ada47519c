/// One reason an instance does not satisfy a schema.
///
/// Errors are flat rather than a tree so an API can return them as they are: each one names the
/// offending value with a JSON pointer into the instance, the keyword that rejected it, and a
/// sentence an operator can act on without reading the schema.
public struct ValidationError: Sendable, Hashable, CustomStringConvertible {
    /// JSON pointer (RFC 6901) to the offending value in the instance, e.g. `/items/3/price`;
    /// the empty string is the instance itself.
    public var instancePath: String
    /// JSON pointer to the failing keyword along the evaluation path from the root schema, e.g.
    /// `/properties/items/items/$ref/properties/price/minimum`: like the specification's
    /// `keywordLocation`, it passes through `$ref` and `$dynamicRef` rather than jumping to the
    /// referenced document, so it always reads from the schema the caller compiled.
    public var keywordPath: String
    /// What is wrong, for people, e.g. `expected integer, found string "12"`.
    public var message: String

    /// Creates an error; the validator fills every field, tests may build their own to compare.
    public init(instancePath: String, keywordPath: String, message: String) {
        self.instancePath = instancePath
        self.keywordPath = keywordPath
        self.message = message
    }

    /// e.g. `/items/3/price: expected a value of at least 0, found -1`; the root is shown as `/`.
    public var description: String {
        "\(instancePath.isEmpty ? "/" : instancePath): \(message)"
    }
}
