/// Escapes (`\d`, `\u{…}`, `\p{…}`, backreferences, …), translated one by one: each is either
/// kept, rewritten as a `\u{…}` literal, or rejected with the reason.
extension ECMAScriptPattern {
    /// Translates the escape at the current position; returns whether it stands for exactly one
    /// character (and may therefore bound a class range).
    @discardableResult
    mutating func translateEscape(inClass: Bool) throws(PatternError) -> Bool {
        position += 1
        guard let escaped = peek() else { throw PatternError("the pattern ends with a lone backslash") }
        position += 1
        switch escaped {
        case "d", "D", "w", "W", "s", "S":
            output += "\\"
            output.unicodeScalars.append(escaped)
            return false
        case "b":
            if inClass {
                output += Self.hexEscape(0x08)
                return true
            }
            output += "\\b"
            return false
        case "B":
            if inClass { throw PatternError("\\B is not allowed inside a character class") }
            output += "\\B"
            return false
        case "f": output += Self.hexEscape(0x0C)
        case "n": output += Self.hexEscape(0x0A)
        case "r": output += Self.hexEscape(0x0D)
        case "t": output += Self.hexEscape(0x09)
        case "v": output += Self.hexEscape(0x0B)
        case "0":
            if let next = peek(), Self.isDecimalDigit(next) {
                throw PatternError("octal escapes such as \\0\(next) are not allowed")
            }
            output += Self.hexEscape(0)
        case "1"..."9":
            try translateBackreference(firstDigit: escaped, inClass: inClass)
            return false
        case "k":
            if inClass { throw PatternError("\\k is not allowed inside a character class") }
            guard peek() == "<" else { throw PatternError("\\k must be followed by a group name, e.g. \\k<year>") }
            position += 1
            let name = try groupName()
            guard groupNames.contains(name) else {
                throw PatternError("\\k<\(name)> refers to a group that does not exist")
            }
            output += "\\k<\(name)>"
            return false
        case "c":
            guard let letter = peek(), letter.isASCII, letter.properties.isAlphabetic else {
                throw PatternError("\\c must be followed by an ASCII letter")
            }
            position += 1
            output += Self.hexEscape(letter.value % 32)
        case "x":
            let value = try hexNumber(digits: 2, escape: "\\x")
            output += Self.hexEscape(value)
        case "u":
            let value = try unicodeEscapeValue()
            output += Self.hexEscape(value)
        case "p", "P":
            try translateProperty(negated: escaped == "P")
            return false
        default:
            // Identity escapes: `\.`, `\/`, `\-`, … stand for the character itself.
            if escaped.isASCII, escaped.properties.isAlphabetic || Self.isDecimalDigit(escaped) {
                throw PatternError("unsupported escape \\\(escaped)")
            }
            output += Self.hexEscape(escaped.value)
        }
        return true
    }

    private mutating func translateBackreference(firstDigit: Unicode.Scalar, inClass: Bool) throws(PatternError) {
        if inClass { throw PatternError("backreferences such as \\\(firstDigit) are not allowed inside a character class") }
        var number = Int(firstDigit.value - 48)
        while let digit = peek(), Self.isDecimalDigit(digit), number < 10_000 {
            number = number * 10 + Int(digit.value - 48)
            position += 1
        }
        guard number <= groupCount else {
            throw PatternError("backreference \\\(number) refers to a capture group that does not exist")
        }
        output += "\\\(number)"
    }

    /// `\p{…}` / `\P{…}`: General_Category and Script(_Extensions) values, and the binary
    /// properties Swift can evaluate (see ``UnicodePropertyNames``).
    private mutating func translateProperty(negated: Bool) throws(PatternError) {
        let escape = negated ? "\\P" : "\\p"
        guard peek() == "{" else { throw PatternError("\(escape) must be followed by a property in braces, e.g. \\p{Letter}") }
        position += 1
        var body = ""
        while let scalar = peek(), scalar != "}" {
            body.unicodeScalars.append(scalar)
            position += 1
        }
        guard peek() == "}" else { throw PatternError("unterminated \(escape){") }
        position += 1
        guard UnicodePropertyNames.isSupported(body) else {
            throw PatternError("the Unicode property \(escape){\(body)} is not supported")
        }
        output += escape + "{" + body + "}"
    }

    /// The value of `\u{X…}`, `\uXXXX` or a surrogate pair `\uD83D\uDE00`.
    private mutating func unicodeEscapeValue() throws(PatternError) -> UInt32 {
        if peek() == "{" {
            position += 1
            var value: UInt32 = 0
            var digits = 0
            while let scalar = peek(), scalar != "}" {
                guard let digit = Self.hexDigitValue(scalar), digits < 6 else {
                    throw PatternError("\\u{…} must contain one to six hexadecimal digits")
                }
                value = value * 16 + digit
                digits += 1
                position += 1
            }
            guard peek() == "}", digits > 0, Unicode.Scalar(value) != nil else {
                throw PatternError("\\u{…} must name a Unicode scalar value")
            }
            position += 1
            return value
        }
        let value = try hexNumber(digits: 4, escape: "\\u")
        guard (0xD800...0xDFFF).contains(value) else { return value }
        if value <= 0xDBFF, peek() == "\\", peek(1) == "u" {
            let saved = position
            position += 2
            if let low = try? hexNumber(digits: 4, escape: "\\u"), (0xDC00...0xDFFF).contains(low) {
                return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            position = saved
        }
        throw PatternError("\\u\(String(value, radix: 16, uppercase: true)) is a lone surrogate, which a string cannot contain")
    }

    private mutating func hexNumber(digits: Int, escape: String) throws(PatternError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let scalar = peek(), let digit = Self.hexDigitValue(scalar) else {
                throw PatternError("\(escape) must be followed by \(digits) hexadecimal digits")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }
}
