/// A strict RFC 8259 recursive-descent parser over a contiguous UTF-8 buffer.
///
/// Every Kafka message goes through here, so it works on raw bytes, never builds intermediate
/// strings for structure, and computes line/column only when it fails. Strings and numbers live in
/// their own files (`JSONParser+Strings.swift`, `JSONParser+Numbers.swift`).
struct JSONParser {
    let input: UnsafeBufferPointer<UInt8>
    var position = 0
    let maxDepth: Int
    var depth = 0
    /// Reused buffer for strings that contain escapes, so each one does not allocate anew.
    var scratch: [UInt8] = []
    /// Members of the objects being parsed, innermost last.
    var memberStack: [Member] = []
    /// Elements of the arrays being parsed, innermost last.
    var elementStack: [JSONValue] = []

    /// One parsed object member (a struct rather than a tuple, so it has static value witnesses).
    struct Member {
        var key: String
        var value: JSONValue
    }

    init(input: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.input = input
        self.maxDepth = maxDepth
    }

    /// Parses exactly one JSON value surrounded by optional whitespace.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        if position < input.count {
            throw failure("unexpected \(UTF8Validation.describe(in: input, at: position)) after the JSON value", at: position)
        }
        return value
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard position < input.count else { throw unexpected(expecting: "a JSON value") }
        switch input[position] {
        case ASCII.openBrace: return try parseObject()
        case ASCII.openBracket: return try parseArray()
        case ASCII.quote: return .string(try parseString())
        case ASCII.t: return try parseLiteral("true", .bool(true))
        case ASCII.f: return try parseLiteral("false", .bool(false))
        case ASCII.n: return try parseLiteral("null", .null)
        case ASCII.minus, ASCII.zero...ASCII.nine: return try parseNumber()
        case 0xEF where position == 0 && input.count >= 3 && input[1] == 0xBB && input[2] == 0xBF:
            throw failure("unexpected byte order mark; JSON text must not start with U+FEFF", at: 0)
        default: throw unexpected(expecting: "a JSON value")
        }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1
        skipWhitespace()
        if position < input.count, input[position] == ASCII.closeBrace {
            position += 1
            depth -= 1
            return .object([:])
        }
        // Members are collected on a shared stack and the dictionary is built once at its final
        // size, which avoids rehashing while it grows.
        let base = memberStack.count
        while true {
            guard position < input.count, input[position] == ASCII.quote else {
                throw unexpected(expecting: memberStack.count == base ? "a string key or '}'" : "a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard position < input.count, input[position] == ASCII.colon else {
                throw unexpected(expecting: "':' after the object key")
            }
            position += 1
            memberStack.append(Member(key: key, value: try parseValue()))
            skipWhitespace()
            guard position < input.count else { throw unexpected(expecting: "',' or '}'") }
            switch input[position] {
            case ASCII.comma:
                position += 1
                skipWhitespace()
            case ASCII.closeBrace:
                position += 1
                depth -= 1
                var members = [String: JSONValue](minimumCapacity: memberStack.count - base)
                for index in base..<memberStack.count {
                    // Duplicate keys: the last one wins, as in JavaScript and most parsers.
                    members[memberStack[index].key] = memberStack[index].value
                }
                memberStack.removeSubrange(base...)
                return .object(members)
            default:
                throw unexpected(expecting: "',' or '}'")
            }
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1
        skipWhitespace()
        if position < input.count, input[position] == ASCII.closeBracket {
            position += 1
            depth -= 1
            return .array([])
        }
        // Elements go on a shared stack so each array is allocated once at its exact size.
        let base = elementStack.count
        while true {
            elementStack.append(try parseValue())
            skipWhitespace()
            guard position < input.count else { throw unexpected(expecting: "',' or ']'") }
            switch input[position] {
            case ASCII.comma:
                position += 1
            case ASCII.closeBracket:
                position += 1
                depth -= 1
                let elements = Array(elementStack[base...])
                elementStack.removeSubrange(base...)
                return .array(elements)
            default:
                throw unexpected(expecting: "',' or ']'")
            }
        }
    }

    mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let count = word.utf8CodeUnitCount
        let start = position
        var index = 0
        while index < count {
            guard start + index < input.count, input[start + index] == word.utf8Start[index] else {
                throw failure("invalid literal, expected '\(word)'", at: start)
            }
            index += 1
        }
        position = start + count
        return value
    }

    /// Counts one more level of nesting, refusing documents deeper than `maxDepth`.
    ///
    /// The limit bounds the parser's recursion (and the cost of hostile input) before any work.
    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth {
            throw failure("nesting exceeds the maximum depth of \(maxDepth)", at: position)
        }
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case ASCII.space, ASCII.newline, ASCII.carriageReturn, ASCII.tab: position += 1
            default: return
            }
        }
    }

    func failure(_ message: String, at offset: Int) -> JSONParseError {
        JSONParseError(message, at: offset, in: input)
    }

    /// "unexpected X, expected Y" at the current position (or at the end of the input).
    func unexpected(expecting expectation: String) -> JSONParseError {
        if position >= input.count {
            return failure("unexpected end of input, expected \(expectation)", at: input.count)
        }
        return failure("unexpected \(UTF8Validation.describe(in: input, at: position)), expected \(expectation)", at: position)
    }
}

/// The bytes the JSON grammar is made of.
enum ASCII {
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let space = UInt8(ascii: " ")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let tab = UInt8(ascii: "\t")
    static let t = UInt8(ascii: "t")
    static let f = UInt8(ascii: "f")
    static let n = UInt8(ascii: "n")
    static let e = UInt8(ascii: "e")
    static let upperE = UInt8(ascii: "E")
    static let u = UInt8(ascii: "u")
}
