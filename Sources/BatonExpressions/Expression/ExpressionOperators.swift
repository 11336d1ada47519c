extension UnaryOperator {
    func apply(_ operand: JSONValue, column: Int) throws(EvaluationFailure) -> JSONValue {
        switch self {
        case .not:
            return .bool(!(try ExpressionNode.truth(operand, "'\(rawValue)'", column: column)))
        case .negate:
            guard case .number(let number) = operand else {
                throw .typeMismatch("'-' expects a number, found \(operand.typeName)", column: column, involving: operand)
            }
            return .number(-number)
        }
    }
}

extension BinaryOperator {
    func apply(_ left: JSONValue, _ right: JSONValue, column: Int) throws(EvaluationFailure) -> JSONValue {
        switch self {
        case .equal: return .bool(left == right)
        case .notEqual: return .bool(left != right)
        case .less: return .bool(try ValueOrdering.compare(left, right, "'\(rawValue)'", column: column) < 0)
        case .lessOrEqual: return .bool(try ValueOrdering.compare(left, right, "'\(rawValue)'", column: column) <= 0)
        case .greater: return .bool(try ValueOrdering.compare(left, right, "'\(rawValue)'", column: column) > 0)
        case .greaterOrEqual: return .bool(try ValueOrdering.compare(left, right, "'\(rawValue)'", column: column) >= 0)
        case .in: return .bool(try Self.contains(right, left, operation: "'in'", column: column))
        case .add: return try add(left, right, column: column)
        case .subtract, .multiply, .divide, .remainder: return try arithmetic(left, right, column: column)
        }
    }

    /// `+` adds numbers and concatenates two strings or two arrays; there is no implicit
    /// conversion, so `'a' + 1` is an error rather than a surprise.
    private func add(_ left: JSONValue, _ right: JSONValue, column: Int) throws(EvaluationFailure) -> JSONValue {
        switch (left, right) {
        case (.number(let a), .number(let b)):
            return .number(try finite(a + b, column: column))
        case (.string(let a), .string(let b)):
            return .string(a + b)
        case (.array(let a), .array(let b)):
            return .array(a + b)
        default:
            let hint = left.stringValue != nil || right.stringValue != nil ? "; use string() to convert" : ""
            throw .typeMismatch(
                "'+' cannot add \(left.typeName) and \(right.typeName)\(hint)", column: column, involving: left, right)
        }
    }

    private func arithmetic(_ left: JSONValue, _ right: JSONValue, column: Int) throws(EvaluationFailure) -> JSONValue {
        guard case .number(let a) = left, case .number(let b) = right else {
            throw .typeMismatch(
                "'\(rawValue)' expects numbers, found \(left.typeName) and \(right.typeName)",
                column: column, involving: left, right)
        }
        switch self {
        case .subtract: return .number(try finite(a - b, column: column))
        case .multiply: return .number(try finite(a * b, column: column))
        case .divide:
            guard b != 0 else { throw EvaluationFailure("division by zero", column: column) }
            return .number(try finite(a / b, column: column))
        default:
            guard b != 0 else { throw EvaluationFailure("division by zero in '%'", column: column) }
            // Like JavaScript: the result has the sign of the dividend.
            return .number(a.truncatingRemainder(dividingBy: b))
        }
    }

    /// JSON cannot hold infinities, so overflow is an error rather than a value that would later
    /// serialise as null.
    private func finite(_ value: Double, column: Int) throws(EvaluationFailure) -> Double {
        guard value.isFinite else {
            throw EvaluationFailure("result of '\(rawValue)' is too large for a number", column: column)
        }
        return value
    }

    /// Membership, shared by `in` and `contains()`: an element of an array (deep equality), a
    /// substring of a string, or a key of an object.
    static func contains(_ container: JSONValue, _ item: JSONValue, operation: String, column: Int)
        throws(EvaluationFailure) -> Bool
    {
        switch container {
        case .array(let elements):
            return elements.contains(item)
        case .string(let text):
            guard case .string(let part) = item else {
                throw .typeMismatch(
                    "\(operation) looks for a substring, so it needs a string to look for, found \(item.typeName)",
                    column: column, involving: item)
            }
            return part.isEmpty || text.contains(part)
        case .object(let members):
            guard case .string(let key) = item else {
                throw .typeMismatch(
                    "\(operation) looks for an object key, so it needs a string, found \(item.typeName)",
                    column: column, involving: item)
            }
            return members[key] != nil
        default:
            throw .typeMismatch(
                "\(operation) needs an array, string or object to search, found \(container.typeName)",
                column: column, involving: container)
        }
    }
}

/// Ordering for `<`, `<=`, `>`, `>=`, `min` and `max`.
enum ValueOrdering {
    /// Numbers compare numerically and strings by Unicode scalar values (Swift `String` order);
    /// any other pair, including anything with null, is an error: there is no sensible answer to
    /// `null < 3` and guessing would hide a missing field.
    static func compare(_ left: JSONValue, _ right: JSONValue, _ operation: @autoclosure () -> String, column: Int)
        throws(EvaluationFailure) -> Int
    {
        switch (left, right) {
        case (.number(let a), .number(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a), .string(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        default:
            throw .typeMismatch(
                "\(operation()) cannot compare \(left.typeName) with \(right.typeName)",
                column: column, involving: left, right)
        }
    }
}
