/// Why evaluating a well-formed expression failed against a particular document.
///
/// Evaluation errors are data-dependent (a string where a number was expected, a division by
/// zero), so they carry the expression and, inside templates, where the expression sits, letting
/// the engine fail the one instance with a message an operator can act on.
public struct EvaluationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, with the column of the operator or function involved, e.g.
    /// "'<' cannot compare string with number (column 10)".
    public var message: String
    /// The source text of the expression that failed.
    public var expression: String
    /// The JSON Pointer of the template string holding the expression, when rendering a
    /// `JSONTemplate`; `nil` for a standalone expression.
    public var pointer: String?

    /// Creates an error; evaluation fills every field, tests and adapters may build their own.
    public init(message: String, expression: String, pointer: String? = nil) {
        self.message = message
        self.expression = expression
        self.pointer = pointer
    }

    /// e.g. `division by zero (column 3) in expression: 1 / $.x`, plus the template location
    /// when there is one.
    public var description: String {
        if let pointer {
            return "\(message) in expression \(expression) at template location '\(pointer)'"
        }
        return "\(message) in expression: \(expression)"
    }
}
