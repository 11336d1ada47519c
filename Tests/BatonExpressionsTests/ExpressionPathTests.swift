import Testing

import BatonExpressions

@Suite("Expression paths and literals")
struct ExpressionPathTests {
    @Test(
        "paths read the document",
        arguments: [
            ("$.input.order.total", JSONValue.number(120.5)),
            ("$.input.order.currency", "EUR"),
            ("$.steps.reserve.output.items[0].sku", "A-1"),
            (#"$.vars["key with space"]"#, "spaced"),
            ("$.vars['key with space']", "spaced"),
            (#"$["vars"].i"#, 1),
            ("$.input.order.items[$.vars.i].sku", "B-2"),
            ("$.input.order[$.vars.field]", "EUR"),
            ("$.input.order.items[1 - 1].sku", "A-1"),
            ("$.input.order.tags[1]", "express"),
            ("$.vars.größe", 42),
            ("($.input.order).id", "ORD-1"),
            ("$ . input . order . id", "ORD-1"),
            ("[1, 'a', $.vars.i][2]", 1),
            ("keys($.vars.obj)[0]", "a"),
            ("$.input.order.customer.email", nil),
            ("$.vars.in", nil),
            ("$.vars.null", nil),
        ] as [(String, JSONValue)]
    )
    func pathReadsDocument(source: String, expected: JSONValue) throws {
        #expect(try Fixtures.evaluate(source) == expected)
    }

    @Test(
        "negative indexes count from the end",
        arguments: [
            ("$.input.order.items[-1].sku", JSONValue.string("B-2")),
            ("$.input.order.items[-2].sku", "A-1"),
            ("$.input.order.items[$.vars.last].qty", 1),
            ("$.input.order.items[-3]", nil),
        ] as [(String, JSONValue)]
    )
    func negativeIndexCountsFromEnd(source: String, expected: JSONValue) throws {
        #expect(try Fixtures.evaluate(source) == expected)
    }

    @Test(
        "missing paths yield null instead of failing",
        arguments: [
            "$.missing", "$.missing.deeper[0].x", "$.input.order.items[2]", "$.input.order.total.cents",
            "$.input.order.items.sku", "$.input.order.items['0']", "$.input.order.items[$.missing]",
            "$.vars.text[0]", "$.vars.empty[0]", "$.vars[$.missing].x",
        ]
    )
    func missingPathYieldsNull(source: String) throws {
        #expect(try Fixtures.evaluate(source) == .null)
    }

    @Test("$ alone is the whole document")
    func rootIsWholeDocument() throws {
        #expect(try Fixtures.evaluate("$") == Fixtures.document)
    }

    @Test(
        "literals evaluate to themselves",
        arguments: [
            ("42", JSONValue.number(42)),
            ("-1.5", -1.5),
            ("1e3", 1000),
            ("0.25", 0.25),
            (#"'it\'s'"#, "it's"),
            (#""say \"hi\"""#, "say \"hi\""),
            (#"'tab\there\n'"#, "tab\there\n"),
            (#"'\u00e9\ud83d\ude00'"#, "é😀"),
            (#"'a\\b\/c'"#, "a\\b/c"),
            ("'Zoë'", "Zoë"),
            ("true", true),
            ("false", false),
            ("null", nil),
            ("[]", []),
            ("[1, 'a', null, [true]]", [1, "a", nil, [true]]),
        ] as [(String, JSONValue)]
    )
    func literalEvaluatesToItself(source: String, expected: JSONValue) throws {
        #expect(try Fixtures.evaluate(source) == expected)
    }

    @Test("constant expressions are folded at parse time")
    func constantExpressionsAreFolded() throws {
        #expect(try Expression(parsing: "1 + 2 * 3").isConstant)
        #expect(try Expression(parsing: "len('abc') > 2 && [1, 2][-1] == 2").isConstant)
        #expect(try !Expression(parsing: "$.a + 1").isConstant)
        // A constant that fails is kept, and fails at evaluation with its position.
        let failing = try Expression(parsing: "1 / 0")
        #expect(!failing.isConstant)
        #expect(throws: EvaluationError(message: "division by zero (column 3)", expression: "1 / 0")) {
            try failing.evaluate(in: .null)
        }
    }

    @Test("expressions are equal when their source is")
    func equalityFollowsSource() throws {
        #expect(try Expression(parsing: "$.a + 1") == Expression(parsing: "$.a + 1"))
        #expect(try Expression(parsing: "$.a + 1") != Expression(parsing: "$.a+1"))
        #expect(try Set([Expression(parsing: "$.a"), Expression(parsing: "$.a")]).count == 1)
        #expect(try Expression(parsing: " $.a ").description == " $.a ")
    }
}
