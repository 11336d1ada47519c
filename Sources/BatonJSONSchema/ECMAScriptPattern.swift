/// Translates an ECMA-262 regular expression, the dialect of JSON Schema's `pattern`, into the
/// syntax of Swift's `Regex`, refusing what the two dialects read differently or what Swift
/// cannot execute.
///
/// Two reasons not to hand patterns to `Regex` as they are. First, meaning: ECMA-262 treats
/// `[[]`, `a{,3}` or `\v` differently from Swift's PCRE-like syntax, and `[]` matches nothing
/// in ECMA-262 but is an error in Swift. Second, safety: Swift's `Regex` parses some constructs
/// it cannot run (lookbehind, conditionals, `\K`, some Unicode properties) and traps the process
/// at the first match instead of throwing. A schema is input, so everything that is not plainly
/// supported is rejected here and surfaces as a ``SchemaError`` when the schema is compiled.
///
/// Escapes are emitted as `\u{…}` wherever possible so the output cannot be misread.
struct ECMAScriptPattern {
    let scalars: [Unicode.Scalar]
    var position = 0
    var output = ""
    let groupCount: Int
    let groupNames: Set<String>

    /// The Swift `Regex` syntax for the ECMA-262 `pattern`.
    static func translate(_ pattern: String) throws(PatternError) -> String {
        var translator = ECMAScriptPattern(scalars: Array(pattern.unicodeScalars))
        try translator.translateAll()
        return translator.output
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
        let groups = Self.captureGroups(in: scalars)
        groupCount = groups.count
        groupNames = groups.names
    }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private mutating func translateAll() throws(PatternError) {
        while let scalar = peek() {
            switch scalar {
            case "\\":
                try translateEscape(inClass: false)
            case "[":
                try translateClass()
            case "(":
                try translateGroupOpening()
            case "{":
                if let quantifier = braceQuantifier() {
                    output += quantifier
                    try translateQuantifierSuffix()
                } else {
                    // ECMA-262 (annex B) reads a brace that starts no quantifier literally.
                    output += "\\{"
                    position += 1
                }
            case "}":
                output += "\\}"
                position += 1
            case "]":
                output += "\\]"
                position += 1
            case "*", "+", "?":
                output.unicodeScalars.append(scalar)
                position += 1
                try translateQuantifierSuffix()
            default:
                output.unicodeScalars.append(scalar)
                position += 1
            }
        }
    }

    /// After a quantifier, `?` (lazy) is kept; `+` would make it possessive in Swift but is a
    /// syntax error in ECMA-262.
    private mutating func translateQuantifierSuffix() throws(PatternError) {
        if peek() == "?" {
            output += "?"
            position += 1
        } else if peek() == "+" {
            throw PatternError("a quantifier cannot be followed by '+' (possessive quantifiers are not ECMA-262)")
        }
    }

    /// `{n}`, `{n,}` or `{n,m}` at the current position, consumed; `nil` (nothing consumed) if the
    /// brace starts no quantifier.
    private mutating func braceQuantifier() -> String? {
        var offset = 1
        var text = "{"
        var digits = 0
        while let scalar = peek(offset), Self.isDecimalDigit(scalar) {
            text.unicodeScalars.append(scalar)
            offset += 1
            digits += 1
        }
        guard digits > 0 else { return nil }
        if peek(offset) == "," {
            text += ","
            offset += 1
            while let scalar = peek(offset), Self.isDecimalDigit(scalar) {
                text.unicodeScalars.append(scalar)
                offset += 1
            }
        }
        guard peek(offset) == "}" else { return nil }
        position += offset + 1
        return text + "}"
    }

    private mutating func translateGroupOpening() throws(PatternError) {
        position += 1
        guard peek() == "?" else {
            // `(*` opens a verb in Swift's syntax; in ECMA-262 it quantifies nothing.
            if peek() == "*" { throw PatternError("'*' at the start of a group has nothing to repeat") }
            output += "("
            return
        }
        position += 1
        guard let kind = peek() else { throw PatternError("unterminated group '(?'") }
        switch kind {
        case ":", "=", "!":
            output += "(?"
            output.unicodeScalars.append(kind)
            position += 1
        case "<":
            position += 1
            if peek() == "=" || peek() == "!" {
                throw PatternError("lookbehind assertions ('(?<=' and '(?<!') are not supported")
            }
            let name = try groupName()
            output += "(?<" + name + ">"
        default:
            throw PatternError("unsupported group syntax '(?'; ECMA-262 allows '(?:', '(?=', '(?!' and '(?<name>'")
        }
    }

    /// A group name up to and including the closing `>`.
    mutating func groupName() throws(PatternError) -> String {
        var name = ""
        while let scalar = peek(), scalar != ">" {
            guard scalar.isASCII, scalar.properties.isAlphabetic || Self.isDecimalDigit(scalar) || scalar == "_" else {
                throw PatternError("group names may only contain ASCII letters, digits and '_'")
            }
            name.unicodeScalars.append(scalar)
            position += 1
        }
        guard peek() == ">", let first = name.unicodeScalars.first, !Self.isDecimalDigit(first) else {
            throw PatternError("a group name must be a name in angle brackets, e.g. (?<year>…)")
        }
        position += 1
        return name
    }

    /// Translates a `[…]` class. Characters Swift treats specially inside classes (`[`, `&`,
    /// `~`, `:`, `.`, a `-` that bounds no range) are emitted as `\u{…}` so they stay literal.
    private mutating func translateClass() throws(PatternError) {
        position += 1
        var negated = false
        if peek() == "^" {
            negated = true
            position += 1
        }
        if peek() == "]" {
            // `[]` matches nothing and `[^]` matches anything in ECMA-262.
            position += 1
            output += negated ? "[\\s\\S]" : "[^\\s\\S]"
            return
        }
        output += negated ? "[^" : "["
        var previousIsCharacter = false
        while true {
            guard let scalar = peek() else { throw PatternError("unterminated character class '['") }
            if scalar == "]" {
                position += 1
                break
            }
            if scalar == "-", previousIsCharacter, let next = peek(1), next != "]" {
                position += 1
                output += "-"
                if next == "\\" {
                    guard try translateEscape(inClass: true) else {
                        throw PatternError("a character class range cannot end with a class escape such as \\d")
                    }
                } else {
                    appendClassCharacter(next)
                    position += 1
                }
                previousIsCharacter = false
            } else if scalar == "\\" {
                previousIsCharacter = try translateEscape(inClass: true)
            } else {
                appendClassCharacter(scalar)
                position += 1
                previousIsCharacter = true
            }
        }
        output += "]"
    }

    private mutating func appendClassCharacter(_ scalar: Unicode.Scalar) {
        switch scalar {
        case "[", "]", "\\", "^", "-", "&", "~", ":", ".": output += Self.hexEscape(scalar.value)
        default: output.unicodeScalars.append(scalar)
        }
    }

    /// The number of capturing groups and their names, so backreferences can be checked
    /// (Swift traps on a backreference to a group that does not exist).
    private static func captureGroups(in scalars: [Unicode.Scalar]) -> (count: Int, names: Set<String>) {
        var count = 0
        var names: Set<String> = []
        var index = 0
        var inClass = false
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\" {
                index += 2
                continue
            }
            if inClass {
                if scalar == "]" { inClass = false }
            } else if scalar == "[" {
                inClass = true
            } else if scalar == "(" {
                if index + 1 < scalars.count, scalars[index + 1] == "?" {
                    if index + 3 < scalars.count, scalars[index + 2] == "<", scalars[index + 3] != "=", scalars[index + 3] != "!" {
                        count += 1
                        var name = ""
                        var cursor = index + 3
                        while cursor < scalars.count, scalars[cursor] != ">" {
                            name.unicodeScalars.append(scalars[cursor])
                            cursor += 1
                        }
                        names.insert(name)
                    }
                } else {
                    count += 1
                }
            }
            index += 1
        }
        return (count, names)
    }

    static func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 48 && scalar.value <= 57
    }

    static func hexDigitValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 48...57: scalar.value - 48
        case 65...70: scalar.value - 55
        case 97...102: scalar.value - 87
        default: nil
        }
    }

    static func hexEscape(_ value: UInt32) -> String {
        "\\u{" + String(value, radix: 16, uppercase: true) + "}"
    }
}

/// Why a `pattern` (or `patternProperties` name) cannot be used.
struct PatternError: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
