/// The evaluator's internal error; `Expression` adds its source text to make an `EvaluationError`.
struct EvaluationFailure: Error {
    var message: String

    init(_ message: String, column: Int) {
        self.message = "\(message) (column \(column))"
    }

    /// A type mismatch; when null is involved, reminds that missing paths yield null.
    static func typeMismatch(_ message: String, column: Int, involving values: JSONValue...) -> EvaluationFailure {
        let hint = values.contains(.null) ? "; a missing path yields null, guard it with exists() or coalesce()" : ""
        return EvaluationFailure("\(message)\(hint)", column: column)
    }
}

extension ExpressionNode {
    /// Evaluates this node against `root`.
    ///
    /// Paths walk the document in place; the only allocations are for the values an operator or
    /// function newly produces (a concatenated string, an array literal).
    func evaluate(in root: JSONValue) throws(EvaluationFailure) -> JSONValue {
        switch self {
        case .literal(let value):
            return value
        case .root:
            return root
        case .path(let base, let steps):
            return Self.walk(try base.evaluate(in: root), steps)
        case .subscriptAccess(let base, let keyNode, let column):
            let container = try base.evaluate(in: root)
            let key = try keyNode.evaluate(in: root)
            return try Self.subscriptValue(container, key, column: column)
        case .array(let elements):
            var values: [JSONValue] = []
            values.reserveCapacity(elements.count)
            for element in elements { values.append(try element.evaluate(in: root)) }
            return .array(values)
        case .unary(let op, let operand, let column):
            return try op.apply(try operand.evaluate(in: root), column: column)
        case .binary(let op, let left, let right, let column):
            return try op.apply(try left.evaluate(in: root), try right.evaluate(in: root), column: column)
        case .logical(let op, let left, let right, let column):
            let leftTruth = try Self.truth(try left.evaluate(in: root), "'\(op.rawValue)'", column: column)
            switch (op, leftTruth) {
            case (.and, false): return .bool(false)
            case (.or, true): return .bool(true)
            default: return .bool(try Self.truth(try right.evaluate(in: root), "'\(op.rawValue)'", column: column))
            }
        case .call(let function, let arguments, let column):
            return try function.call(arguments, in: root, column: column)
        }
    }

    /// Applies static steps; anything missing on the way yields null.
    static func walk(_ start: JSONValue, _ steps: [PathStep]) -> JSONValue {
        var current = start
        for step in steps {
            switch step {
            case .key(let key): current = member(of: current, key)
            case .index(let index): current = element(of: current, index)
            }
            if case .null = current { return .null }
        }
        return current
    }

    @inline(__always)
    static func member(of value: JSONValue, _ key: String) -> JSONValue {
        guard case .object(let members) = value else { return .null }
        return members[key] ?? .null
    }

    @inline(__always)
    static func element(of value: JSONValue, _ index: Int) -> JSONValue {
        guard case .array(let elements) = value else { return .null }
        let resolved = index < 0 ? elements.count + index : index
        return elements.indices.contains(resolved) ? elements[resolved] : .null
    }

    /// `container[key]` with a computed key: a string selects a member, an integer an element
    /// (negative from the end); a null key yields null; other keys are errors.
    static func subscriptValue(_ container: JSONValue, _ key: JSONValue, column: Int) throws(EvaluationFailure) -> JSONValue {
        switch key {
        case .null:
            return .null
        case .string(let name):
            return member(of: container, name)
        case .number(let number):
            guard let index = Int(exactly: number) else {
                throw EvaluationFailure("array index must be an integer, found \(JSONValue.number(number))", column: column)
            }
            return element(of: container, index)
        default:
            throw EvaluationFailure("subscript must be a string or a number, found \(key.typeName)", column: column)
        }
    }

    /// Booleans for `&&`, `||` and `!`: null counts as false, anything else is an error.
    static func truth(_ value: JSONValue, _ operation: @autoclosure () -> String, column: Int)
        throws(EvaluationFailure) -> Bool
    {
        switch value {
        case .bool(let flag): return flag
        case .null: return false
        default: throw EvaluationFailure("\(operation()) expects booleans, found \(value.typeName)", column: column)
        }
    }
}
