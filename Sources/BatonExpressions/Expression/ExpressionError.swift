/// Why an expression's source text was rejected when a definition was registered.
///
/// Expressions are parsed once, when a workflow definition is registered, so that a typo fails the
/// registration (with a column to point at) instead of failing an instance at run time.
public struct ExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. "unexpected ')'" or "unknown function 'lenght' (did you mean 'len'?)".
    public var message: String
    /// 1-based column in `source`, counted in Unicode scalars.
    public var column: Int
    /// The whole expression text.
    public var source: String

    /// Creates an error; the parser fills every field, tests and adapters may build their own.
    public init(message: String, column: Int, source: String) {
        self.message = message
        self.column = column
        self.source = source
    }

    /// e.g. `unexpected ')' at column 14 in expression: $.a + (1 + 2))`.
    public var description: String {
        "\(message) at column \(column) in expression: \(source)"
    }
}
