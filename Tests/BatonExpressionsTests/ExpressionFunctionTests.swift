import Testing

import BatonExpressions

@Suite("Expression functions")
struct ExpressionFunctionTests {
    @Test(
        "every function computes its documented result",
        arguments: [
            ("len('héllo')", JSONValue.number(5)),
            ("len('🇩🇪')", 1),
            ("len('')", 0),
            ("len($.input.order.items)", 2),
            ("len($.vars.obj)", 2),
            ("len([])", 0),
            ("exists($.input.order.id)", true),
            ("exists($.missing)", false),
            ("exists($.input.order.customer.email)", false),
            ("exists($.vars.flag)", true),
            ("exists($.vars.zero)", true),
            ("exists($.vars.empty)", true),
            ("lower('HeLLo É')", "hello é"),
            ("upper('straße')", "STRASSE"),
            ("contains($.input.order.tags, 'gift')", true),
            ("contains('Hello', 'ell')", true),
            ("contains($.vars.obj, 'a')", true),
            ("contains([1, 2], 3)", false),
            ("startsWith('Hello', 'He')", true),
            ("startsWith('Hello', 'lo')", false),
            ("startsWith('abc', '')", true),
            ("endsWith('Hello', 'lo')", true),
            ("endsWith($.input.order.id, '-1')", true),
            ("string(3)", "3"),
            ("string(1.5)", "1.5"),
            ("string(true)", "true"),
            ("string(null)", "null"),
            ("string('x')", "x"),
            ("string([1, 'a'])", #"[1,"a"]"#),
            ("string($.vars.obj)", #"{"a":2,"b":1}"#),
            ("number('42')", 42),
            ("number(' 1.5e2 ')", 150),
            ("number('-0.5')", -0.5),
            ("number(true)", 1),
            ("number(false)", 0),
            ("number(7)", 7),
            ("abs(-3.5)", 3.5),
            ("abs(2)", 2),
            ("min(3, 1, 2)", 1),
            ("max(3, 1, 2)", 3),
            ("min([4, 2, 8])", 2),
            ("max(['b', 'c', 'a'])", "c"),
            ("min('b', 'a')", "a"),
            ("max($.input.order.items[0].price, $.input.order.items[1].price)", 100.5),
            ("min([])", nil),
            ("round(2.5)", 3),
            ("round(-2.5)", -3),
            ("round(2.4)", 2),
            ("round(3.14159, 2)", 3.14),
            ("round(1234, -2)", 1200),
            ("round(1250, -2)", 1300),
            ("floor(-1.5)", -2),
            ("floor(1.9)", 1),
            ("ceil(1.1)", 2),
            ("ceil(-1.9)", -1),
            ("not(true)", false),
            ("not(null)", true),
            ("coalesce($.missing, $.vars.zero, 5)", 0),
            ("coalesce($.missing, null)", nil),
            ("coalesce($.input.order.customer.email, 'none')", "none"),
            ("coalesce(1, 1 / $.vars.zero)", 1),
            ("keys($.vars.obj)", ["a", "b"]),
            ("keys($.steps)", ["reserve"]),
            ("keys($.input.order.customer)", ["email", "name", "vip"]),
        ] as [(String, JSONValue)]
    )
    func functionComputes(source: String, expected: JSONValue) throws {
        #expect(try Fixtures.evaluate(source) == expected)
    }

    @Test(
        "conditions are booleans, with null as false",
        arguments: [
            ("$.input.order.customer.vip", true),
            ("$.vars.flag", false),
            ("$.missing", false),
            ("$.input.order.total >= 100 && 'gift' in $.input.order.tags", true),
            ("exists($.input.order.coupon) && $.input.order.coupon.valid", false),
        ] as [(String, Bool)]
    )
    func conditionEvaluates(source: String, expected: Bool) throws {
        #expect(try Expression(parsing: source).evaluateCondition(in: Fixtures.document) == expected)
    }

    @Test("a condition of another type is an error")
    func nonBooleanConditionFails() throws {
        #expect(throws: EvaluationError(message: "a condition must be a boolean or null, found number", expression: "$.vars.i")) {
            try Expression(parsing: "$.vars.i").evaluateCondition(in: Fixtures.document)
        }
    }
}
