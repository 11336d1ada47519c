/// One lexical token of an expression, with where it came from for error messages.
struct ExpressionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case number(Double)
        case string(String)
        /// Names: function names, member names after '.', and the words true, false, null, in.
        case identifier(String)
        case symbol(Symbol)
        case end
    }

    /// Punctuation and operators.
    enum Symbol: String, Sendable, Equatable {
        case dollar = "$"
        case dot = "."
        case openBracket = "["
        case closeBracket = "]"
        case openParen = "("
        case closeParen = ")"
        case comma = ","
        case or = "||"
        case and = "&&"
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case plus = "+"
        case minus = "-"
        case times = "*"
        case divide = "/"
        case remainder = "%"
        case bang = "!"
    }

    var kind: Kind
    /// 1-based column of the token's first Unicode scalar.
    var column: Int
    /// The token's source text, for "unexpected '…'" messages.
    var text: String

    func isSymbol(_ symbol: Symbol) -> Bool {
        kind == .symbol(symbol)
    }

    func isWord(_ word: String) -> Bool {
        kind == .identifier(word)
    }

    /// How the token is named in an error message: `'foo'`, or `end of expression`.
    var quoted: String {
        if case .end = kind { return "end of expression" }
        let shown = text.unicodeScalars.count > 24 ? String(text.prefix(24)) + "…" : text
        return "'\(shown)'"
    }
}
