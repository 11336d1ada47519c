import Testing

import BatonExpressions

@Suite("JSON parsing")
struct JSONParsingTests {
    @Test(
        "valid documents parse to the expected value",
        arguments: [
            ("null", JSONValue.null),
            ("true", true),
            ("false", false),
            ("0", 0),
            ("-0", 0),
            ("42", 42),
            ("-17", -17),
            ("1.5", 1.5),
            ("-12.25e2", -1225),
            ("1E3", 1000),
            ("1e+2", 100),
            ("25e-1", 2.5),
            ("0.001", 0.001),
            ("123456789012345678901234567890", 1.2345678901234568e29),
            ("\"\"", ""),
            ("\"plain\"", "plain"),
            ("\"Zoë 😀\"", "Zoë 😀"),
            (#""\u00e9\ud83d\ude00\n\t\r\b\f\"\\\/""#, "é😀\n\t\r\u{8}\u{c}\"\\/"),
            (#""\u0000""#, "\u{0}"),
            ("[]", []),
            ("{}", [:]),
            (" \t\r\n[ 1 , { \"a\" : [ ] } ] \n", [1, ["a": []]]),
            (#"{"a":1,"b":[true,null,"x"],"c":{"d":-0.5}}"#, ["a": 1, "b": [true, nil, "x"], "c": ["d": -0.5]]),
            (#"{"a":1,"a":2}"#, ["a": 2]),
            (#"[[[[]]]]"#, [[[[]]]]),
        ] as [(String, JSONValue)]
    )
    func validDocumentParses(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test(
        "numbers match the correctly rounded double",
        arguments: [
            "0.1", "3.14159", "1e22", "1e23", "9007199254740993", "2.2250738585072014e-308", "5e-324",
            "1.7976931348623157e308", "0.30000000000000004", "123.456e-10", "-0.000001", "1e-400",
            "18446744073709551616", "4.9406564584124654e-324", "12345678901234567890.5",
        ]
    )
    func numberIsCorrectlyRounded(text: String) throws {
        #expect(try JSONValue.parse(text) == .number(Double(text)!))
    }

    @Test(
        "invalid documents report message and exact position",
        arguments: [
            ("", "unexpected end of input, expected a JSON value", 0, 1, 1),
            ("   ", "unexpected end of input, expected a JSON value", 3, 1, 4),
            ("[1,]", "unexpected ']', expected a JSON value", 3, 1, 4),
            (#"{"a":1,}"#, "unexpected '}', expected a string key", 7, 1, 8),
            ("{1:2}", "unexpected '1', expected a string key or '}'", 1, 1, 2),
            (#"{"a" 1}"#, "unexpected '1', expected ':' after the object key", 5, 1, 6),
            (#"{"a":1 "b":2}"#, "unexpected '\"', expected ',' or '}'", 7, 1, 8),
            ("[1 2]", "unexpected '2', expected ',' or ']'", 3, 1, 4),
            ("[", "unexpected end of input, expected a JSON value", 1, 1, 2),
            ("[1", "unexpected end of input, expected ',' or ']'", 2, 1, 3),
            (#"{"a":1"#, "unexpected end of input, expected ',' or '}'", 6, 1, 7),
            ("[1] x", "unexpected 'x' after the JSON value", 4, 1, 5),
            ("1 2", "unexpected '2' after the JSON value", 2, 1, 3),
            ("01", "invalid number, leading zeros are not allowed", 0, 1, 1),
            ("-01", "invalid number, leading zeros are not allowed", 1, 1, 2),
            ("-", "invalid number, expected a digit after '-'", 1, 1, 2),
            ("-a", "invalid number, expected a digit after '-'", 1, 1, 2),
            ("1.", "invalid number, expected a digit after '.'", 2, 1, 3),
            (".5", "unexpected '.', expected a JSON value", 0, 1, 1),
            ("1e", "invalid number, expected a digit in the exponent", 2, 1, 3),
            ("1e+", "invalid number, expected a digit in the exponent", 3, 1, 4),
            ("+1", "unexpected '+', expected a JSON value", 0, 1, 1),
            ("1e400", "number 1e400 is out of range of a 64-bit double", 0, 1, 1),
            ("NaN", "unexpected 'N', expected a JSON value", 0, 1, 1),
            ("tru", "invalid literal, expected 'true'", 0, 1, 1),
            ("nul", "invalid literal, expected 'null'", 0, 1, 1),
            ("[fals]", "invalid literal, expected 'false'", 1, 1, 2),
            ("'a'", "unexpected ''', expected a JSON value", 0, 1, 1),
            ("\"abc", "unterminated string", 0, 1, 1),
            ("[\"a\\", "unterminated string", 3, 1, 4),
            ("\"a\u{01}b\"", "unescaped control character U+0001 in string", 2, 1, 3),
            ("\"a\nb\"", "unescaped control character U+000A in string", 2, 1, 3),
            (#""\x""#, "invalid escape sequence '\\x'", 1, 1, 2),
            (#""\u12G4""#, "invalid unicode escape, expected 4 hexadecimal digits after '\\u'", 1, 1, 2),
            (#""\u12"#, "invalid unicode escape, expected 4 hexadecimal digits after '\\u'", 1, 1, 2),
            (#""\ud800""#, "unpaired high surrogate '\\uD800' (a low surrogate escape must follow)", 1, 1, 2),
            (#""ab\ud83d\u0041""#,
             "unpaired high surrogate '\\uD83D' (followed by '\\u0041', not a low surrogate)", 3, 1, 4),
            (#""\udc00""#, "unpaired low surrogate '\\uDC00'", 1, 1, 2),
            ("{\n  \"a\": 1,\n  \"b\": ]\n}", "unexpected ']', expected a JSON value", 19, 3, 8),
            ("[\"é\", x]", "unexpected 'x', expected a JSON value", 7, 1, 7),
            ("[1,\r\n é]", "unexpected 'é', expected a JSON value", 6, 2, 2),
            ("\u{FEFF}{}", "unexpected byte order mark; JSON text must not start with U+FEFF", 0, 1, 1),
        ] as [(String, String, Int, Int, Int)]
    )
    func invalidDocumentIsRejectedAtExactPosition(text: String, message: String, offset: Int, line: Int, column: Int) {
        #expect(throws: JSONParseError(message: message, offset: offset, line: line, column: column)) {
            try JSONValue.parse(text)
        }
    }

    @Test(
        "invalid UTF-8 is rejected at the first bad byte",
        arguments: [
            ([0x22, 0x61, 0xFF, 0x22], "invalid UTF-8 byte 0xFF in string", 2),
            ([0x22, 0xC0, 0xAF, 0x22], "invalid UTF-8 byte 0xC0 in string", 1),  // overlong '/'
            ([0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 byte 0xED in string", 1),  // encoded surrogate
            ([0x22, 0x61, 0xE2, 0x82, 0x22], "invalid UTF-8 byte 0xE2 in string", 2),  // truncated
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8 byte 0xF4 in string", 1),  // above U+10FFFF
            ([0x22, 0x5C, 0x6E, 0x80, 0x22], "invalid UTF-8 byte 0x80 in string", 3),  // after an escape
            ([0x5B, 0xFF, 0x5D], "unexpected invalid UTF-8 byte 0xFF, expected a JSON value", 1),
        ] as [([UInt8], String, Int)]
    )
    func invalidUTF8IsRejected(bytes: [UInt8], message: String, offset: Int) {
        #expect(throws: JSONParseError(message: message, offset: offset, line: 1, column: offset + 1)) {
            try JSONValue.parse(bytes)
        }
    }

    @Test("nesting deeper than maxDepth is rejected where it starts")
    func depthLimitIsEnforced() throws {
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(try JSONValue.parse(ok) != .null)
        let tooDeep = String(repeating: "[", count: 257) + String(repeating: "]", count: 257)
        #expect(throws: JSONParseError(message: "nesting exceeds the maximum depth of 256", offset: 256, line: 1, column: 257)) {
            try JSONValue.parse(tooDeep)
        }
        #expect(throws: JSONParseError(message: "nesting exceeds the maximum depth of 2", offset: 6, line: 1, column: 7)) {
            try JSONValue.parse(#"{"a":[{}]}"#, maxDepth: 2)
        }
    }

    @Test("documents larger than maxBytes are rejected before parsing")
    func sizeLimitIsEnforced() throws {
        #expect(throws: JSONParseError(message: "document is 6 bytes, more than the limit of 3", offset: 3, line: 1, column: 4)) {
            try JSONValue.parse("[1, 2]", maxBytes: 3)
        }
        #expect(try JSONValue.parse("[1, 2]", maxBytes: 6) == [1, 2])
    }

    @Test("every input representation gives the same value")
    func inputRepresentationsAgree() throws {
        let text = #"{"name":"Zoë","list":[1,2.5,"\n"]}"#
        let expected: JSONValue = ["name": "Zoë", "list": [1, 2.5, "\n"]]
        let bytes = Array(text.utf8)
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(bytes) == expected)
        #expect(try JSONValue.parse(bytes[...]) == expected)
        // A collection without contiguous storage takes the copying path.
        #expect(try JSONValue.parse(text.utf8.lazy.map { $0 }) == expected)
        let raw = try bytes.withUnsafeBytes { buffer throws(JSONParseError) in try JSONValue.parse(buffer) }
        #expect(raw == expected)
    }

    @Test("error description names line, column and byte")
    func errorDescriptionIsReadable() {
        let error = JSONParseError(message: "unexpected ']', expected a JSON value", offset: 19, line: 3, column: 8)
        #expect(error.description == "invalid JSON at line 3, column 8 (byte 19): unexpected ']', expected a JSON value")
    }
}
