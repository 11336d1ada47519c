/// Compiles a template value, collecting every error instead of stopping at the first.
struct TemplateCompiler {
    var errors: [TemplateError] = []

    mutating func compile(_ value: JSONValue, at pointer: String) -> TemplateNode {
        switch value {
        case .string(let text):
            return compileString(text, at: pointer)
        case .array(let elements):
            var nodes: [TemplateNode] = []
            nodes.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                nodes.append(compile(element, at: JSONPointer.appending(String(index), to: pointer)))
            }
            let constants = nodes.compactMap(\.constantValue)
            return constants.count == nodes.count ? .constant(.array(constants)) : .array(nodes)
        case .object(let members):
            var nodes: [TemplateMember] = []
            nodes.reserveCapacity(members.count)
            var constants: [String: JSONValue] = [:]
            // Sorted, so errors come out in a stable order.
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                let node = compile(member, at: JSONPointer.appending(key, to: pointer))
                nodes.append(TemplateMember(key: key, node: node))
                if let constant = node.constantValue { constants[key] = constant }
            }
            return constants.count == nodes.count ? .constant(.object(constants)) : .object(nodes)
        default:
            return .constant(value)
        }
    }

    /// Splits a string into text and `${ … }` expressions. `$${` is a literal `${`.
    mutating func compileString(_ text: String, at pointer: String) -> TemplateNode {
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains("$") else { return .constant(.string(text)) }
        var segments: [TemplateSegment] = []
        var literal = String.UnicodeScalarView()
        var failed = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "$", index + 2 < scalars.count, scalars[index + 1] == "$", scalars[index + 2] == "{" {
                literal.append(contentsOf: ["$", "{"])
                index += 3
                continue
            }
            guard scalar == "$", index + 1 < scalars.count, scalars[index + 1] == "{" else {
                literal.append(scalar)
                index += 1
                continue
            }
            guard let close = Self.closingBrace(in: scalars, from: index + 2) else {
                errors.append(TemplateError(
                    pointer: pointer, column: index + 1, message: "unterminated '${' (missing '}')"))
                failed = true
                break
            }
            if let expression = compileExpression(scalars, index + 2..<close, opening: index, at: pointer) {
                if !literal.isEmpty {
                    segments.append(.text(String(literal)))
                    literal = String.UnicodeScalarView()
                }
                segments.append(.expression(expression))
            } else {
                failed = true
            }
            index = close + 1
        }
        if failed { return .constant(.null) }
        if !literal.isEmpty { segments.append(.text(String(literal))) }

        if segments.count == 1, case .expression(let expression) = segments[0],
            scalars.first == "$", scalars.last == "}", scalars.count > 1, scalars[1] == "{"
        {
            // The whole string is one `${ … }`: it becomes the value itself, of whatever type.
            return expression.isConstant ? .constant(Self.constant(expression)) : .expression(expression, pointer: pointer)
        }
        if segments.allSatisfy({ if case .text = $0 { true } else { false } }) {
            return .constant(.string(String(literal)))
        }
        // Folded ahead of time only when no constant is null (that is an error, raised when rendered).
        if segments.allSatisfy({ if case .expression(let e) = $0 { e.isConstant && !Self.constant(e).isNull } else { true } }) {
            return .constant(.string(JSONTemplate.interpolate(segments, value: { Self.constant($0) }, null: { _ in "" })))
        }
        return .interpolation(segments, pointer: pointer)
    }

    /// Parses the expression between `${` and `}`, mapping its error column onto the string.
    private mutating func compileExpression(
        _ scalars: [Unicode.Scalar], _ range: Range<Int>, opening: Int, at pointer: String
    ) -> Expression? {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, Self.isWhitespace(scalars[start]) { start += 1 }
        while end > start, Self.isWhitespace(scalars[end - 1]) { end -= 1 }
        guard start < end else {
            errors.append(TemplateError(pointer: pointer, column: opening + 1, message: "empty expression in '${}'"))
            return nil
        }
        var source = String.UnicodeScalarView()
        source.append(contentsOf: scalars[start..<end])
        do {
            return try Expression(parsing: String(source))
        } catch {
            errors.append(TemplateError(pointer: pointer, column: start + error.column, message: error.message))
            return nil
        }
    }

    /// The index of the `}` that ends an expression starting at `start`, skipping quoted strings
    /// (the expression language has no braces of its own).
    static func closingBrace(in scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var quote: Unicode.Scalar?
        var index = start
        while index < scalars.count {
            let scalar = scalars[index]
            if let open = quote {
                if scalar == "\\" {
                    index += 2
                    continue
                }
                if scalar == open { quote = nil }
            } else if scalar == "'" || scalar == "\"" {
                quote = scalar
            } else if scalar == "}" {
                return index
            }
            index += 1
        }
        return nil
    }

    /// A folded expression's value; it cannot fail, since folding only keeps successful results.
    static func constant(_ expression: Expression) -> JSONValue {
        (try? expression.evaluate(in: .null)) ?? .null
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }
}
