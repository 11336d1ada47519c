import Testing

import BatonExpressions

@Suite("Expression operators")
struct ExpressionOperatorTests {
    @Test(
        "arithmetic and concatenation",
        arguments: [
            ("1 + 2", JSONValue.number(3)),
            ("$.vars.i + 0.5", 1.5),
            ("'a' + 'b'", "ab"),
            ("$.input.order.id + '/' + $.input.order.currency", "ORD-1/EUR"),
            ("[1] + [2, 3]", [1, 2, 3]),
            ("$.vars.empty + []", []),
            ("5 - 7", -2),
            ("3 * 4", 12),
            ("7 / 2", 3.5),
            ("$.input.order.total / 2", 60.25),
            ("7 % 3", 1),
            ("-7 % 3", -1),
            ("7.5 % 2", 1.5),
            ("-$.vars.i", -1),
            ("--3", 3),
            ("0.1 + 0.2", 0.30000000000000004),
        ] as [(String, JSONValue)]
    )
    func arithmeticComputes(source: String, expected: JSONValue) throws {
        #expect(try Fixtures.evaluate(source) == expected)
    }

    @Test(
        "equality is deep and structural across types",
        arguments: [
            ("1 == 1", true),
            ("1 == 1.0", true),
            ("'a' == 'a'", true),
            ("1 == '1'", false),
            ("0 == false", false),
            ("null == null", true),
            ("$.missing == null", true),
            ("$.input.order.customer.email == null", true),
            ("$.vars.obj == $.vars.obj", true),
            ("$.steps.reserve.output.items == [$.steps.reserve.output]", false),
            ("[1, [2, 'x']] == [1, [2, 'x']]", true),
            ("[1, 2] == [2, 1]", false),
            ("$.steps.reserve.output.items[0] == $.steps.reserve.output.items[-1]", true),
            ("1 != 2", true),
            ("null != false", true),
            ("'a' != 'a'", false),
        ] as [(String, Bool)]
    )
    func equalityIsDeep(source: String, expected: Bool) throws {
        #expect(try Fixtures.evaluate(source) == .bool(expected))
    }

    @Test(
        "ordering compares numbers numerically and strings by scalars",
        arguments: [
            ("2 < 10", true),
            ("'2' < '10'", false),
            ("'abc' < 'abd'", true),
            ("'Z' < 'a'", true),
            ("'z' < 'é'", true),
            ("'' < 'a'", true),
            ("3 <= 3", true),
            ("3 < 3", false),
            ("4 > 3", true),
            ("3 >= 4", false),
            ("'b' >= 'a'", true),
            ("$.input.order.total > 100", true),
            ("-1 < -0.5", true),
        ] as [(String, Bool)]
    )
    func orderingCompares(source: String, expected: Bool) throws {
        #expect(try Fixtures.evaluate(source) == .bool(expected))
    }

    @Test(
        "'in' finds elements, substrings and keys",
        arguments: [
            ("'gift' in $.input.order.tags", true),
            ("'x' in $.input.order.tags", false),
            ("'ell' in 'Hello'", true),
            ("'hello' in 'Hello'", false),
            ("'' in 'abc'", true),
            ("'currency' in $.input.order", true),
            ("'email' in $.input.order.customer", true),
            ("'nope' in $.input.order", false),
            ("[1] in [[1], 2]", true),
            ("1 in [1.0]", true),
            ("null in [1, null]", true),
            ("$.steps.reserve.output.items[0] in $.steps.reserve.output.items", true),
        ] as [(String, Bool)]
    )
    func inFindsMembers(source: String, expected: Bool) throws {
        #expect(try Fixtures.evaluate(source) == .bool(expected))
    }

    @Test(
        "logic takes booleans, with null as false",
        arguments: [
            ("true && true", true),
            ("true && false", false),
            ("false || true", true),
            ("false || false", false),
            ("null || true", true),
            ("null && true", false),
            ("$.missing || $.vars.flag", false),
            ("!true", false),
            ("!null", true),
            ("!$.missing", true),
            ("!!false", false),
            ("$.input.order.customer.vip && $.input.order.total > 100", true),
        ] as [(String, Bool)]
    )
    func logicTakesBooleans(source: String, expected: Bool) throws {
        #expect(try Fixtures.evaluate(source) == .bool(expected))
    }

    @Test(
        "precedence and associativity",
        arguments: [
            ("1 + 2 * 3", JSONValue.number(7)),
            ("(1 + 2) * 3", 9),
            ("10 - 4 - 3", 3),
            ("12 / 2 / 3", 2),
            ("2 * 3 % 4", 2),
            ("2 + 3 % 2", 3),
            ("-2 * 3", -6),
            ("2 * -1", -2),
            ("-$.vars.i + 3", 2),
            ("1 + 2 == 3", true),
            ("1 < 2 == true", true),
            ("1 == 1 && 2 == 2", true),
            ("true || false && false", true),
            ("(true || false) && false", false),
            ("false && false || true", true),
            ("!false && false", false),
            ("!(false && false)", true),
            ("'a' + 'b' in 'xaby'", true),
            ("1 + 1 in [2]", true),
            ("false == false && true", true),
            ("$.vars.i + 1 > 1 || false", true),
            ("!$.vars.flag == true", true),
        ] as [(String, JSONValue)]
    )
    func precedenceIsConventional(source: String, expected: JSONValue) throws {
        #expect(try Fixtures.evaluate(source) == expected)
    }

    @Test(
        "&& and || short-circuit",
        arguments: [
            ("false && 1 / $.vars.zero == 1", false),
            ("$.missing && $.vars.text > 1", false),
            ("true || $.vars.text > 1", true),
            ("$.vars.flag || !$.vars.flag || len($.vars.i) > 0", true),
        ] as [(String, Bool)]
    )
    func logicShortCircuits(source: String, expected: Bool) throws {
        #expect(try Fixtures.evaluate(source) == .bool(expected))
    }

    @Test("the right side of && is still checked when it is reached")
    func rightSideIsEvaluatedWhenNeeded() throws {
        #expect(throws: EvaluationError(message: "division by zero (column 11)", expression: "true && 1 / $.vars.zero == 1")) {
            try Fixtures.evaluate("true && 1 / $.vars.zero == 1")
        }
    }
}
