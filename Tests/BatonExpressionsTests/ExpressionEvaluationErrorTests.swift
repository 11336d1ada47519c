import Testing

import BatonExpressions

@Suite("Expression evaluation errors")
struct ExpressionEvaluationErrorTests {
    static let nullHint = "; a missing path yields null, guard it with exists() or coalesce()"

    @Test(
        "type errors and arithmetic faults name the operation and column",
        arguments: [
            ("$.input.order.total < 'x'", "'<' cannot compare number with string (column 21)"),
            ("$.missing > 5", "'>' cannot compare null with number\(nullHint) (column 11)"),
            ("true < false", "'<' cannot compare boolean with boolean (column 6)"),
            ("[1] <= [2]", "'<=' cannot compare array with array (column 5)"),
            ("1 / $.vars.zero", "division by zero (column 3)"),
            ("1 % $.vars.zero", "division by zero in '%' (column 3)"),
            ("1e308 * 10", "result of '*' is too large for a number (column 7)"),
            ("1 && true", "'&&' expects booleans, found number (column 3)"),
            ("true && $.vars.i", "'&&' expects booleans, found number (column 6)"),
            ("false || 'yes'", "'||' expects booleans, found string (column 7)"),
            ("!$.vars.i", "'!' expects booleans, found number (column 1)"),
            ("-$.vars.text", "'-' expects a number, found string (column 1)"),
            ("-$.missing", "'-' expects a number, found null\(nullHint) (column 1)"),
            ("'a' + 1", "'+' cannot add string and number; use string() to convert (column 5)"),
            ("[1] + 'a'", "'+' cannot add array and string; use string() to convert (column 5)"),
            ("$.vars.obj + $.vars.obj", "'+' cannot add object and object (column 12)"),
            ("$.vars.text - 1", "'-' expects numbers, found string and number (column 13)"),
            ("$.vars.i * $.missing", "'*' expects numbers, found number and null\(nullHint) (column 10)"),
            ("1 in $.vars.i", "'in' needs an array, string or object to search, found number (column 3)"),
            ("1 in 'abc'", "'in' looks for a substring, so it needs a string to look for, found number (column 3)"),
            ("1 in $.vars.obj", "'in' looks for an object key, so it needs a string, found number (column 3)"),
            ("'x' in $.missing", "'in' needs an array, string or object to search, found null\(nullHint) (column 5)"),
            ("len($.vars.i)", "len() expects a string, array or object, found number (column 1)"),
            ("len($.missing)", "len() expects a string, array or object, found null\(nullHint) (column 1)"),
            ("lower($.missing)", "lower() expects a string, found null\(nullHint) (column 1)"),
            ("upper(1)", "upper() expects a string, found number (column 1)"),
            ("startsWith($.vars.i, 'a')", "startsWith() expects a string, found number (column 1)"),
            ("endsWith('a', 1)", "endsWith() expects a string, found number (column 1)"),
            ("contains(1, 1)", "contains() needs an array, string or object to search, found number (column 1)"),
            ("number('abc')", #"number() cannot convert "abc" to a number (column 1)"#),
            ("number('1 2')", #"number() cannot convert "1 2" to a number (column 1)"#),
            ("number([])", "number() expects a number, string or boolean, found array (column 1)"),
            ("abs('1')", "abs() expects a number, found string (column 1)"),
            ("floor(null)", "floor() expects a number, found null\(nullHint) (column 1)"),
            ("ceil(true)", "ceil() expects a number, found boolean (column 1)"),
            ("round('1')", "round() expects a number, found string (column 1)"),
            ("round(1.5, 0.5)", "round() expects an integer from -15 to 15 as decimal places, found 0.5 (column 1)"),
            ("round(1.5, 16)", "round() expects an integer from -15 to 15 as decimal places, found 16 (column 1)"),
            ("min(1, 'a')", "min() cannot compare string with number (column 1)"),
            ("max(1, true)", "max() expects numbers or strings, found boolean (column 1)"),
            ("min(5)", "min() with one argument expects an array, found number (column 1)"),
            ("not(1)", "not() expects booleans, found number (column 1)"),
            ("keys([1])", "keys() expects an object, found array (column 1)"),
            ("$.input.order.items[$.vars.half]", "array index must be an integer, found 0.5 (column 20)"),
            ("$.vars[$.vars.flag]", "subscript must be a string or a number, found boolean (column 7)"),
        ] as [(String, String)]
    )
    func evaluationFailsWithContext(source: String, message: String) throws {
        let expression = try Expression(parsing: source)
        #expect(throws: EvaluationError(message: message, expression: source)) {
            try expression.evaluate(in: Fixtures.document)
        }
    }

    @Test("evaluation error description names the expression")
    func descriptionNamesExpression() {
        let error = EvaluationError(message: "division by zero (column 3)", expression: "1 / $.x")
        #expect(error.description == "division by zero (column 3) in expression: 1 / $.x")
        let located = EvaluationError(message: "division by zero (column 3)", expression: "1 / $.x", pointer: "/a/0")
        #expect(located.description == "division by zero (column 3) in expression 1 / $.x at template location '/a/0'")
    }
}
