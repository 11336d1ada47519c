extension BuiltinFunction {
    /// Calls the function; arguments are evaluated here, one at a time, so no argument array is
    /// allocated and `coalesce` can stop at the first non-null value.
    func call(_ arguments: [ExpressionNode], in root: JSONValue, column: Int) throws(EvaluationFailure) -> JSONValue {
        func argument(_ index: Int) throws(EvaluationFailure) -> JSONValue {
            try arguments[index].evaluate(in: root)
        }
        switch self {
        case .len:
            let value = try argument(0)
            switch value {
            case .string(let text): return .number(Double(text.count))
            case .array(let elements): return .number(Double(elements.count))
            case .object(let members): return .number(Double(members.count))
            default: throw mismatch("a string, array or object", value, column)
            }
        case .exists:
            return .bool(!(try argument(0)).isNull)
        case .lower:
            return .string(try text(try argument(0), column).lowercased())
        case .upper:
            return .string(try text(try argument(0), column).uppercased())
        case .contains:
            let container = try argument(0)
            return .bool(try BinaryOperator.contains(container, try argument(1), operation: "contains()", column: column))
        case .startsWith:
            let value = try text(try argument(0), column)
            return .bool(value.hasPrefix(try text(try argument(1), column)))
        case .endsWith:
            let value = try text(try argument(0), column)
            return .bool(value.hasSuffix(try text(try argument(1), column)))
        case .string:
            let value = try argument(0)
            if case .string = value { return value }
            return .string(value.serialized())
        case .number:
            return try number(from: try argument(0), column)
        case .abs:
            return .number(Swift.abs(try number(try argument(0), column)))
        case .floor:
            return .number((try number(try argument(0), column)).rounded(.down))
        case .ceil:
            return .number((try number(try argument(0), column)).rounded(.up))
        case .round:
            let value = try number(try argument(0), column)
            let digits = arguments.count > 1 ? try decimalPlaces(try argument(1), column) : 0
            return .number(Self.round(value, toPlaces: digits))
        case .min, .max:
            return try extreme(arguments, in: root, column: column)
        case .not:
            return .bool(!(try ExpressionNode.truth(try argument(0), "not()", column: column)))
        case .coalesce:
            for node in arguments {
                let value = try node.evaluate(in: root)
                if !value.isNull { return value }
            }
            return .null
        case .keys:
            let value = try argument(0)
            guard case .object(let members) = value else { throw mismatch("an object", value, column) }
            return .array(members.keys.sorted().map(JSONValue.string))
        }
    }

    /// `number()`: a number as is, a string holding a JSON number (surrounding whitespace
    /// allowed), and booleans as 1 or 0.
    private func number(from value: JSONValue, _ column: Int) throws(EvaluationFailure) -> JSONValue {
        switch value {
        case .number: return value
        case .bool(let flag): return .number(flag ? 1 : 0)
        case .string(let text):
            if case .number(let parsed)? = try? JSONValue.parse(text) { return .number(parsed) }
            throw EvaluationFailure("number() cannot convert \(value) to a number", column: column)
        default:
            throw mismatch("a number, string or boolean", value, column)
        }
    }

    /// `min`/`max` over the arguments, or over the elements of a single array argument;
    /// numbers and strings only, never mixed. An empty array has no extreme: null.
    private func extreme(_ arguments: [ExpressionNode], in root: JSONValue, column: Int) throws(EvaluationFailure) -> JSONValue {
        let wantsSmaller = self == .min
        if arguments.count == 1 {
            let value = try arguments[0].evaluate(in: root)
            guard case .array(let elements) = value else {
                throw EvaluationFailure(
                    "\(rawValue)() with one argument expects an array, found \(value.typeName)", column: column)
            }
            var best: JSONValue?
            for element in elements { best = try better(best, element, wantsSmaller, column) }
            return best ?? .null
        }
        var best: JSONValue?
        for node in arguments { best = try better(best, try node.evaluate(in: root), wantsSmaller, column) }
        return best ?? .null
    }

    private func better(_ best: JSONValue?, _ candidate: JSONValue, _ wantsSmaller: Bool, _ column: Int)
        throws(EvaluationFailure) -> JSONValue
    {
        switch candidate {
        case .number, .string: break
        default: throw mismatch("numbers or strings", candidate, column)
        }
        guard let best else { return candidate }
        let order = try ValueOrdering.compare(candidate, best, "\(rawValue)()", column: column)
        return (wantsSmaller ? order < 0 : order > 0) ? candidate : best
    }

    /// Rounds half away from zero ("schoolbook" rounding) at `places` decimal places; negative
    /// places round to tens, hundreds, …. Works on binary doubles, so `round(1.005, 2)` is 1.
    static func round(_ value: Double, toPlaces places: Int) -> Double {
        if places == 0 { return value.rounded() }
        let scale = JSONNumber.powersOfTen[Swift.abs(places)]
        if places > 0 {
            let scaled = value * scale
            return scaled.isFinite ? scaled.rounded() / scale : value
        }
        return (value / scale).rounded() * scale
    }

    private func decimalPlaces(_ value: JSONValue, _ column: Int) throws(EvaluationFailure) -> Int {
        guard case .number(let number) = value, let places = Int(exactly: number), (-15...15).contains(places) else {
            throw EvaluationFailure(
                "round() expects an integer from -15 to 15 as decimal places, found \(value)", column: column)
        }
        return places
    }

    private func text(_ value: JSONValue, _ column: Int) throws(EvaluationFailure) -> String {
        guard case .string(let text) = value else { throw mismatch("a string", value, column) }
        return text
    }

    private func number(_ value: JSONValue, _ column: Int) throws(EvaluationFailure) -> Double {
        guard case .number(let number) = value else { throw mismatch("a number", value, column) }
        return number
    }

    private func mismatch(_ expected: String, _ value: JSONValue, _ column: Int) -> EvaluationFailure {
        .typeMismatch("\(rawValue)() expects \(expected), found \(value.typeName)", column: column, involving: value)
    }
}
