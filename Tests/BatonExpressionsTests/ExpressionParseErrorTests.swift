import Testing

import BatonExpressions

@Suite("Expression parse errors")
struct ExpressionParseErrorTests {
    @Test(
        "syntax errors point at the exact column",
        arguments: [
            ("$.a + (1 + 2))", "unexpected ')'", 14),
            ("", "empty expression", 1),
            ("   ", "empty expression", 4),
            ("$.a +", "unexpected end of expression", 6),
            ("1 +* 2", "unexpected '*'", 4),
            ("$.a $.b", "unexpected '$'", 5),
            ("in", "unexpected 'in'", 1),
            ("(1 + 2", "unexpected end of expression, expected ')' to close '('", 7),
            ("len($.a", "unexpected end of expression, expected ')' to close '('", 8),
            ("len(1,)", "unexpected ')'", 7),
            ("[1, 2", "unexpected end of expression, expected ']' to close '['", 6),
            ("[1, 2,]", "unexpected ']'", 7),
            ("$.a[0", "unexpected end of expression, expected ']' to close '['", 6),
            (#"$.vars["x""#, "unexpected end of expression, expected ']' to close '['", 11),
            ("$.a[0 1]", "unexpected '1', expected ']' to close '['", 7),
            ("$.a = 1", "unexpected character '=' (use '==' to compare)", 5),
            ("$.a & $.b", "unexpected character '&' (use '&&')", 5),
            ("$.a | $.b", "unexpected character '|' (use '||')", 5),
            ("$.a # 1", "unexpected character '#'", 5),
            ("{}", "unexpected character '{'", 1),
            ("'abc", "unterminated string", 1),
            (#"$.a == "abc"#, "unterminated string", 8),
            (#"'a\qb'"#, #"invalid escape sequence '\q'"#, 3),
            (#"'\ud800'"#, #"unpaired high surrogate in '\u' escape"#, 2),
            (#"'\udc00'"#, #"unpaired low surrogate in '\u' escape"#, 2),
            (#"'\u12'"#, #"invalid '\u' escape, expected 4 hexadecimal digits"#, 2),
            ("007", "leading zeros are not allowed in numbers", 1),
            ("1.", "expected a digit after '.' in number", 3),
            ("1e", "expected a digit in the exponent of number", 3),
            ("1e999", "number 1e999 is out of range", 1),
            ("1 < 2 < 3", "comparisons cannot be chained; combine them with '&&'", 7),
            ("$.a in $.b in $.c", "comparisons cannot be chained; combine them with '&&'", 12),
            ("foo", "unknown name 'foo' (paths start with '$', as in '$.foo')", 1),
            ("$.a.0", "expected a member name after '.', found '0' (use [0] for an array element)", 5),
            ("$.a.", "expected a member name after '.', found end of expression", 5),
            ("$.a.'b'", "expected a member name after '.', found ''b''", 5),
            ("$.a[1.5]", "array index must be an integer, found 1.5", 5),
            ("$.a[true]", "subscript must be a string or a number, found boolean", 5),
            ("$.a[null]", "subscript must be a string or a number, found null", 5),
            ("len", "expected '(' after function name 'len'", 4),
            ("$.é == 'Zoë' && (", "unexpected end of expression", 18),
        ] as [(String, String, Int)]
    )
    func syntaxErrorHasColumn(source: String, message: String, column: Int) {
        #expect(throws: ExpressionError(message: message, column: column, source: source)) {
            try Expression(parsing: source)
        }
    }

    @Test(
        "unknown functions are rejected with a suggestion",
        arguments: [
            ("lenght($.a)", "unknown function 'lenght' (did you mean 'len'?)", 1),
            ("LEN($.a)", "unknown function 'LEN' (did you mean 'len'?)", 1),
            ("size($.a)", "unknown function 'size' (did you mean 'len'?)", 1),
            ("$.ok && startswith($.a, 'x')", "unknown function 'startswith' (did you mean 'startsWith'?)", 9),
            ("exist($.a)", "unknown function 'exist' (did you mean 'exists'?)", 1),
            ("coalese($.a, 1)", "unknown function 'coalese' (did you mean 'coalesce'?)", 1),
            ("toLowerCase($.a)", "unknown function 'toLowerCase' (did you mean 'lower'?)", 1),
            ("includes($.a, 1)", "unknown function 'includes' (did you mean 'contains'?)", 1),
            ("frobnicate(1)", "unknown function 'frobnicate'", 1),
        ] as [(String, String, Int)]
    )
    func unknownFunctionIsRejected(source: String, message: String, column: Int) {
        #expect(throws: ExpressionError(message: message, column: column, source: source)) {
            try Expression(parsing: source)
        }
    }

    @Test(
        "arities are checked at parse time",
        arguments: [
            ("len($.a, 1)", "len() takes exactly 1 argument, found 2", 1),
            ("len()", "len() takes exactly 1 argument, found 0", 1),
            ("contains($.a)", "contains() takes exactly 2 arguments, found 1", 1),
            ("1 + round()", "round() takes 1 or 2 arguments, found 0", 5),
            ("round(1, 2, 3)", "round() takes 1 or 2 arguments, found 3", 1),
            ("coalesce()", "coalesce() takes at least 1 argument, found 0", 1),
            ("max()", "max() takes at least 1 argument, found 0", 1),
        ] as [(String, String, Int)]
    )
    func arityIsChecked(source: String, message: String, column: Int) {
        #expect(throws: ExpressionError(message: message, column: column, source: source)) {
            try Expression(parsing: source)
        }
    }

    @Test("nesting is bounded so parsing and evaluation cannot exhaust the stack")
    func nestingIsBounded() throws {
        let fine = String(repeating: "(", count: 100) + "$.a" + String(repeating: ")", count: 100)
        #expect(try Expression(parsing: fine).evaluate(in: ["a": 1]) == 1)
        let deep = String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200)
        #expect(throws: ExpressionError(message: "expression nests more than 128 levels deep", column: 73, source: deep)) {
            try Expression(parsing: deep)
        }
        let long = Array(repeating: "$.a", count: 300).joined(separator: " + ")
        #expect(throws: ExpressionError.self) { try Expression(parsing: long) }
    }

    @Test("description reads as a sentence")
    func descriptionReads() {
        let error = ExpressionError(message: "unexpected ')'", column: 14, source: "$.a + (1 + 2))")
        #expect(error.description == "unexpected ')' at column 14 in expression: $.a + (1 + 2))")
    }
}
