/// Splits expression source into tokens, working on Unicode scalars so that an index is a column.
///
/// Parsing happens once per definition, so clarity and precise error columns matter more here
/// than speed.
struct ExpressionLexer {
    let source: String
    let scalars: [Unicode.Scalar]
    var index = 0

    init(source: String) {
        self.source = source
        self.scalars = Array(source.unicodeScalars)
    }

    mutating func tokenize() throws(ExpressionError) -> [ExpressionToken] {
        var tokens: [ExpressionToken] = []
        while true {
            skipWhitespace()
            guard index < scalars.count else {
                tokens.append(ExpressionToken(kind: .end, column: index + 1, text: ""))
                return tokens
            }
            tokens.append(try nextToken())
        }
    }

    private mutating func nextToken() throws(ExpressionError) -> ExpressionToken {
        let start = index
        let scalar = scalars[index]
        switch scalar {
        case "0"..."9":
            return try number()
        case "'", "\"":
            return try string()
        case _ where Self.isIdentifierStart(scalar):
            while index < scalars.count, Self.isIdentifierContinue(scalars[index]) { index += 1 }
            let name = text(start..<index)
            return ExpressionToken(kind: .identifier(name), column: start + 1, text: name)
        default:
            return try symbol()
        }
    }

    private mutating func symbol() throws(ExpressionError) -> ExpressionToken {
        let start = index
        let first = scalars[index]
        let second: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
        let twoCharacter: ExpressionToken.Symbol? = switch (first, second) {
        case ("|", "|"): .or
        case ("&", "&"): .and
        case ("=", "="): .equal
        case ("!", "="): .notEqual
        case ("<", "="): .lessOrEqual
        case (">", "="): .greaterOrEqual
        default: nil
        }
        if let twoCharacter {
            index += 2
            return ExpressionToken(kind: .symbol(twoCharacter), column: start + 1, text: twoCharacter.rawValue)
        }
        if let single = ExpressionToken.Symbol(rawValue: String(first)) {
            index += 1
            return ExpressionToken(kind: .symbol(single), column: start + 1, text: single.rawValue)
        }
        let hint = switch first {
        case "=": " (use '==' to compare)"
        case "&": " (use '&&')"
        case "|": " (use '||')"
        default: ""
        }
        throw failure("unexpected character '\(first)'\(hint)", at: start)
    }

    /// Numbers follow JSON's grammar (no leading zeros, digits required around '.'), so that a
    /// literal means the same in an expression as in a document.
    private mutating func number() throws(ExpressionError) -> ExpressionToken {
        let start = index
        if scalars[index] == "0", index + 1 < scalars.count, Self.isDigit(scalars[index + 1]) {
            throw failure("leading zeros are not allowed in numbers", at: start)
        }
        skipDigits()
        if index < scalars.count, scalars[index] == "." {
            index += 1
            guard index < scalars.count, Self.isDigit(scalars[index]) else {
                throw failure("expected a digit after '.' in number", at: index)
            }
            skipDigits()
        }
        if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
            index += 1
            if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
            guard index < scalars.count, Self.isDigit(scalars[index]) else {
                throw failure("expected a digit in the exponent of number", at: index)
            }
            skipDigits()
        }
        let literal = text(start..<index)
        guard let value = Double(literal), value.isFinite else {
            throw failure("number \(literal) is out of range", at: start)
        }
        return ExpressionToken(kind: .number(value), column: start + 1, text: literal)
    }

    /// 'single' or "double" quoted, with JSON's escapes plus `\'`.
    private mutating func string() throws(ExpressionError) -> ExpressionToken {
        let start = index
        let quote = scalars[index]
        index += 1
        var value = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == quote {
                index += 1
                return ExpressionToken(kind: .string(String(value)), column: start + 1, text: text(start..<index))
            }
            if scalar == "\\" {
                value.append(try escape())
                continue
            }
            value.append(scalar)
            index += 1
        }
        throw failure("unterminated string", at: start)
    }

    private mutating func escape() throws(ExpressionError) -> Unicode.Scalar {
        let start = index
        guard index + 1 < scalars.count else { throw failure("unterminated string", at: start) }
        let escaped = scalars[index + 1]
        index += 2
        switch escaped {
        case "\"", "'", "\\", "/": return escaped
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "u":
            let unit = try hexQuad(escapeStart: start)
            switch unit {
            case 0xD800...0xDBFF:
                guard index + 1 < scalars.count, scalars[index] == "\\", scalars[index + 1] == "u" else {
                    throw failure("unpaired high surrogate in '\\u' escape", at: start)
                }
                let lowStart = index
                index += 2
                let low = try hexQuad(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure("unpaired high surrogate in '\\u' escape", at: start)
                }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            case 0xDC00...0xDFFF:
                throw failure("unpaired low surrogate in '\\u' escape", at: start)
            default:
                return Unicode.Scalar(unit)!
            }
        default:
            throw failure("invalid escape sequence '\\\(escaped)'", at: start)
        }
    }

    private mutating func hexQuad(escapeStart: Int) throws(ExpressionError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < scalars.count, let digit = Self.hexValue(scalars[index]) else {
                throw failure("invalid '\\u' escape, expected 4 hexadecimal digits", at: escapeStart)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func skipWhitespace() {
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t"
            || scalars[index] == "\n" || scalars[index] == "\r"
        {
            index += 1
        }
    }

    private mutating func skipDigits() {
        while index < scalars.count, Self.isDigit(scalars[index]) { index += 1 }
    }

    private func text(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    private func failure(_ message: String, at scalarIndex: Int) -> ExpressionError {
        ExpressionError(message: message, column: scalarIndex + 1, source: source)
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }

    static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 0x30
        case "a"..."f": scalar.value - 0x61 + 10
        case "A"..."F": scalar.value - 0x41 + 10
        default: nil
        }
    }

    /// ASCII letters and '_', plus any non-ASCII scalar that may start an identifier (XID_Start),
    /// so member names like `$.größe` work without brackets.
    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "_": true
        case _ where scalar.isASCII: false
        default: scalar.properties.isXIDStart
        }
    }

    static func isIdentifierContinue(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_": true
        case _ where scalar.isASCII: false
        default: scalar.properties.isXIDContinue
        }
    }
}
