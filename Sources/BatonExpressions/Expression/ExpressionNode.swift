/// The compiled form of an expression: a tree built once at registration and walked per evaluation.
///
/// Static path steps (`.a`, `["b"]`, `[0]`) are collected into one `path` node so a lookup like
/// `$.steps.reserve.output` is a single loop over borrowed values, not a chain of nodes.
indirect enum ExpressionNode: Sendable {
    case literal(JSONValue)
    /// `$`, the document being evaluated.
    case root
    /// Static member and index steps applied to `base`.
    case path(base: ExpressionNode, steps: [PathStep])
    /// `base[key]` where the key is computed at evaluation time.
    case subscriptAccess(base: ExpressionNode, key: ExpressionNode, column: Int)
    case array([ExpressionNode])
    case unary(UnaryOperator, ExpressionNode, column: Int)
    case binary(BinaryOperator, ExpressionNode, ExpressionNode, column: Int)
    /// `&&` and `||`, separate from `binary` because they short-circuit.
    case logical(LogicalOperator, ExpressionNode, ExpressionNode, column: Int)
    case call(BuiltinFunction, [ExpressionNode], column: Int)

    var isLiteral: Bool {
        if case .literal = self { return true }
        return false
    }
}

/// One static step of a path.
enum PathStep: Sendable, Equatable {
    /// An object member; on anything but an object it yields null.
    case key(String)
    /// An array element; negative counts from the end; out of range or on a non-array yields null.
    case index(Int)
}

enum UnaryOperator: String, Sendable {
    case not = "!"
    case negate = "-"
}

enum LogicalOperator: String, Sendable {
    case and = "&&"
    case or = "||"
}

enum BinaryOperator: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in` = "in"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
}
