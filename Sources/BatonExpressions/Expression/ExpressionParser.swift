/// Recursive-descent parser from tokens to an `ExpressionNode`.
///
/// Precedence, loosest first: `||`; `&&`; `==` `!=`; `<` `<=` `>` `>=` `in` (not chainable);
/// `+` `-`; `*` `/` `%`; unary `!` `-`; postfix `.name` and `[expr]`. Function names and arities
/// are checked here, and all-constant subtrees are folded into literals.
struct ExpressionParser {
    /// Deepest nesting accepted, which bounds the recursion of both parsing and evaluation.
    static let maxDepth = 128

    let source: String
    let tokens: [ExpressionToken]
    var index = 0

    /// A node together with the height of its tree, tracked to enforce `maxDepth` without
    /// walking the tree again.
    struct Parsed {
        var node: ExpressionNode
        var depth: Int
    }

    static func parse(_ source: String) throws(ExpressionError) -> ExpressionNode {
        var lexer = ExpressionLexer(source: source)
        var parser = ExpressionParser(source: source, tokens: try lexer.tokenize())
        if case .end = parser.current.kind { throw parser.failure("empty expression", at: parser.current) }
        let parsed = try parser.parseOr()
        guard case .end = parser.current.kind else { throw parser.unexpected(parser.current) }
        return parsed.node
    }

    private var current: ExpressionToken { tokens[index] }

    private mutating func advance() -> ExpressionToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    // MARK: Binary levels

    private mutating func parseOr() throws(ExpressionError) -> Parsed {
        var left = try parseAnd()
        while current.isSymbol(.or) {
            let op = advance()
            let right = try parseAnd()
            left = try combine(.logical(.or, left.node, right.node, column: op.column), left, right, at: op)
        }
        return left
    }

    private mutating func parseAnd() throws(ExpressionError) -> Parsed {
        var left = try parseEquality()
        while current.isSymbol(.and) {
            let op = advance()
            let right = try parseEquality()
            left = try combine(.logical(.and, left.node, right.node, column: op.column), left, right, at: op)
        }
        return left
    }

    private mutating func parseEquality() throws(ExpressionError) -> Parsed {
        var left = try parseComparison()
        while let op = binaryOperator(in: [.equal, .notEqual]) {
            let token = advance()
            let right = try parseComparison()
            left = try combine(.binary(op, left.node, right.node, column: token.column), left, right, at: token)
        }
        return left
    }

    private mutating func parseComparison() throws(ExpressionError) -> Parsed {
        let left = try parseAdditive()
        let comparisons: [BinaryOperator] = [.less, .lessOrEqual, .greater, .greaterOrEqual, .in]
        guard let op = binaryOperator(in: comparisons) else { return left }
        let token = advance()
        let right = try parseAdditive()
        if binaryOperator(in: comparisons) != nil {
            // `a < b < c` would compare a boolean with c; say so now rather than at run time.
            throw failure("comparisons cannot be chained; combine them with '&&'", at: current)
        }
        return try combine(.binary(op, left.node, right.node, column: token.column), left, right, at: token)
    }

    private mutating func parseAdditive() throws(ExpressionError) -> Parsed {
        var left = try parseMultiplicative()
        while let op = binaryOperator(in: [.add, .subtract]) {
            let token = advance()
            let right = try parseMultiplicative()
            left = try combine(.binary(op, left.node, right.node, column: token.column), left, right, at: token)
        }
        return left
    }

    private mutating func parseMultiplicative() throws(ExpressionError) -> Parsed {
        var left = try parseUnary()
        while let op = binaryOperator(in: [.multiply, .divide, .remainder]) {
            let token = advance()
            let right = try parseUnary()
            left = try combine(.binary(op, left.node, right.node, column: token.column), left, right, at: token)
        }
        return left
    }

    /// The current token as one of `candidates`, if it is one.
    private func binaryOperator(in candidates: [BinaryOperator]) -> BinaryOperator? {
        let op: BinaryOperator? = switch current.kind {
        case .symbol(let symbol): BinaryOperator(rawValue: symbol.rawValue)
        case .identifier("in"): .in
        default: nil
        }
        guard let op, candidates.contains(op) else { return nil }
        return op
    }

    // MARK: Unary, postfix, primary

    private mutating func parseUnary() throws(ExpressionError) -> Parsed {
        let op: UnaryOperator
        if current.isSymbol(.bang) {
            op = .not
        } else if current.isSymbol(.minus) {
            op = .negate
        } else {
            return try parsePostfix()
        }
        let token = advance()
        let operand = try parseUnary()
        return try combine(.unary(op, operand.node, column: token.column), operand, at: token)
    }

    private mutating func parsePostfix() throws(ExpressionError) -> Parsed {
        var base = try parsePrimary()
        var steps: [PathStep] = []
        while true {
            if current.isSymbol(.dot) {
                _ = advance()
                steps.append(.key(try memberName()))
            } else if current.isSymbol(.openBracket) {
                let open = advance()
                let keyStart = current
                let key = try parseOr()
                try expect(.closeBracket, closing: open)
                if case .literal(let literal) = key.node {
                    steps.append(try staticStep(literal, at: keyStart))
                } else {
                    let container = try flush(base, &steps, at: open)
                    base = try combine(
                        .subscriptAccess(base: container.node, key: key.node, column: open.column),
                        container, key, at: open)
                }
            } else {
                return try flush(base, &steps, at: current)
            }
        }
    }

    /// Wraps `base` in a path node for the pending static `steps`, if any.
    private func flush(_ base: Parsed, _ steps: inout [PathStep], at token: ExpressionToken) throws(ExpressionError) -> Parsed {
        guard !steps.isEmpty else { return base }
        defer { steps = [] }
        if case .path(let innerBase, let innerSteps) = base.node {
            return Parsed(node: .path(base: innerBase, steps: innerSteps + steps), depth: base.depth)
        }
        return try combine(.path(base: base.node, steps: steps), base, at: token)
    }

    private mutating func memberName() throws(ExpressionError) -> String {
        let token = current
        switch token.kind {
        case .identifier(let name):
            _ = advance()
            return name
        case .number:
            throw failure("expected a member name after '.', found \(token.quoted) (use [\(token.text)] for an array element)", at: token)
        default:
            throw failure("expected a member name after '.', found \(token.quoted)", at: token)
        }
    }

    /// A literal subscript becomes a static step: strings select members, integers elements.
    private func staticStep(_ key: JSONValue, at token: ExpressionToken) throws(ExpressionError) -> PathStep {
        switch key {
        case .string(let name):
            return .key(name)
        case .number(let number):
            guard let index = Int(exactly: number) else {
                throw failure("array index must be an integer, found \(key)", at: token)
            }
            return .index(index)
        default:
            throw failure("subscript must be a string or a number, found \(key.typeName)", at: token)
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Parsed {
        let token = current
        switch token.kind {
        case .number(let number):
            _ = advance()
            return Parsed(node: .literal(.number(number)), depth: 1)
        case .string(let text):
            _ = advance()
            return Parsed(node: .literal(.string(text)), depth: 1)
        case .symbol(.dollar):
            _ = advance()
            return Parsed(node: .root, depth: 1)
        case .symbol(.openParen):
            let open = advance()
            let inner = try parseOr()
            try expect(.closeParen, closing: open)
            return try combine(inner.node, inner, at: open)
        case .symbol(.openBracket):
            return try parseArrayLiteral()
        case .identifier("true"):
            _ = advance()
            return Parsed(node: .literal(.bool(true)), depth: 1)
        case .identifier("false"):
            _ = advance()
            return Parsed(node: .literal(.bool(false)), depth: 1)
        case .identifier("null"):
            _ = advance()
            return Parsed(node: .literal(.null), depth: 1)
        case .identifier(let name) where name != "in":
            return try parseCall(name)
        default:
            throw unexpected(token)
        }
    }

    private mutating func parseArrayLiteral() throws(ExpressionError) -> Parsed {
        let open = advance()
        var elements: [Parsed] = []
        if !current.isSymbol(.closeBracket) {
            while true {
                elements.append(try parseOr())
                if current.isSymbol(.comma) {
                    _ = advance()
                    continue
                }
                try expect(.closeBracket, closing: open)
                break
            }
        } else {
            _ = advance()
        }
        return try combine(.array(elements.map(\.node)), elements, at: open)
    }

    private mutating func parseCall(_ name: String) throws(ExpressionError) -> Parsed {
        let nameToken = advance()
        guard let function = BuiltinFunction(rawValue: name) else {
            if current.isSymbol(.openParen) {
                let hint = BuiltinFunction.suggestion(for: name).map { " (did you mean '\($0.rawValue)'?)" } ?? ""
                throw failure("unknown function '\(name)'\(hint)", at: nameToken)
            }
            throw failure("unknown name '\(name)' (paths start with '$', as in '$.\(name)')", at: nameToken)
        }
        guard current.isSymbol(.openParen) else {
            throw failure("expected '(' after function name '\(name)'", at: current)
        }
        let open = advance()
        var arguments: [Parsed] = []
        if !current.isSymbol(.closeParen) {
            while true {
                arguments.append(try parseOr())
                if current.isSymbol(.comma) {
                    _ = advance()
                    continue
                }
                try expect(.closeParen, closing: open)
                break
            }
        } else {
            _ = advance()
        }
        guard function.arity.contains(arguments.count) else {
            throw failure(
                "\(name)() \(function.arityDescription), found \(arguments.count)", at: nameToken)
        }
        return try combine(.call(function, arguments.map(\.node), column: nameToken.column), arguments, at: nameToken)
    }

    // MARK: Helpers

    /// Builds a parent node from its children, enforcing the nesting limit and folding it into a
    /// literal when every child is a literal and evaluating it succeeds (a failure is left for
    /// run time, where it is reported with the data that caused it).
    private func combine(_ node: ExpressionNode, _ children: Parsed..., at token: ExpressionToken) throws(ExpressionError) -> Parsed {
        try combine(node, children, at: token)
    }

    private func combine(_ node: ExpressionNode, _ children: [Parsed], at token: ExpressionToken) throws(ExpressionError) -> Parsed {
        let depth = (children.map(\.depth).max() ?? 0) + 1
        if depth > Self.maxDepth {
            throw failure("expression nests more than \(Self.maxDepth) levels deep", at: token)
        }
        if children.allSatisfy({ $0.node.isLiteral }), let value = try? node.evaluate(in: .null) {
            return Parsed(node: .literal(value), depth: depth)
        }
        return Parsed(node: node, depth: depth)
    }

    private mutating func expect(_ symbol: ExpressionToken.Symbol, closing open: ExpressionToken) throws(ExpressionError) {
        guard current.isSymbol(symbol) else {
            throw failure(
                "unexpected \(current.quoted), expected '\(symbol.rawValue)' to close '\(open.text)'",
                at: current)
        }
        _ = advance()
    }

    private func unexpected(_ token: ExpressionToken) -> ExpressionError {
        failure("unexpected \(token.quoted)", at: token)
    }

    private func failure(_ message: String, at token: ExpressionToken) -> ExpressionError {
        ExpressionError(message: message, column: token.column, source: source)
    }
}
