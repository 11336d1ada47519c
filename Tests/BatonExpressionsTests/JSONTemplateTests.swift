import Testing

import BatonExpressions

@Suite("JSON templates")
struct JSONTemplateTests {
    static func render(_ template: JSONValue) throws -> JSONValue {
        try JSONTemplate(parsing: template).render(in: Fixtures.document)
    }

    @Test(
        "strings render by their ${…} form",
        arguments: [
            ("${ $.input.order.id }", JSONValue.string("ORD-1")),
            ("${$.input.order.total}", 120.5),
            ("${\n\t$.input.order.customer.vip\n}", true),
            ("${ $.input.order.tags }", ["gift", "express"]),
            ("${ $.missing }", nil),
            ("${ $.steps.reserve.output }", ["items": [["sku": "A-1"]], "ok": true]),
            ("Order ${$.input.order.id} costs ${ $.input.order.total } ${$.input.order.currency}",
             "Order ORD-1 costs 120.5 EUR"),
            (" ${ $.input.order.id }", " ORD-1"),
            ("${$.input.order.id}${$.vars.i}", "ORD-11"),
            ("tags: ${$.input.order.tags}", #"tags: ["gift","express"]"#),
            ("obj: ${$.vars.obj}", #"obj: {"a":2,"b":1}"#),
            ("flag=${$.vars.flag}", "flag=false"),
            ("costs $${price}", "costs ${price}"),
            ("$${ $.input.order.id }", "${ $.input.order.id }"),
            ("$$${$.vars.i}", "$${$.vars.i}"),
            ("$5 and $ {x} and $", "$5 and $ {x} and $"),
            ("${ '}' + $.input.order.id }", "}ORD-1"),
            (#"${ "a\"}" + 'b' }"#, "a\"}b"),
            ("no expressions", "no expressions"),
            ("", ""),
        ] as [(String, JSONValue)]
    )
    func stringRenders(template: String, expected: JSONValue) throws {
        #expect(try Self.render(.string(template)) == expected)
    }

    @Test("objects and arrays are templated recursively; other values are constants")
    func nestedTemplateRenders() throws {
        let template: JSONValue = [
            "orderId": "${ $.input.order.id }",
            "nested": ["list": [1, "${ $.vars.i + 1 }", ["sku": "${$.input.order.items[0].sku}"], nil]],
            "constant": ["a": [true, nil, 1.5]],
            "label": "${ upper($.input.order.currency) }-${ len($.input.order.items) }",
        ]
        let expected: JSONValue = [
            "orderId": "ORD-1",
            "nested": ["list": [1, 2, ["sku": "A-1"], nil]],
            "constant": ["a": [true, nil, 1.5]],
            "label": "EUR-2",
        ]
        let compiled = try JSONTemplate(parsing: template)
        #expect(!compiled.isConstant)
        #expect(try compiled.render(in: Fixtures.document) == expected)
        #expect(compiled.source == template)
    }

    @Test(
        "templates without document-dependent expressions are constant",
        arguments: [
            (JSONValue.number(3), JSONValue.number(3)),
            (["a": [1, "x", "$${y}"]], ["a": [1, "x", "${y}"]]),
            ("${ 1 + 2 }", 3),
            ("total: ${ 2 * 21 }", "total: 42"),
            (["k": "${ [1, 'a'] }"], ["k": [1, "a"]]),
        ] as [(JSONValue, JSONValue)]
    )
    func constantTemplateIsFolded(template: JSONValue, expected: JSONValue) throws {
        let compiled = try JSONTemplate(parsing: template)
        #expect(compiled.isConstant)
        #expect(try compiled.render(in: .null) == expected)
    }

    @Test("validate reports every error with its pointer and column")
    func validateReportsAllErrors() {
        let template: JSONValue = [
            "a": "${ lenght($.x) }",
            "b": ["ok", "${ $.x + }", "${ $.y"],
            "c/d~e": "${}",
            "d": "fine ${ (1 } and ${ foo(1) }",
            "e": ["f": [["g": "x ${ $.a = 1 }"]]],
            "valid": "${ $.x }",
        ]
        #expect(JSONTemplate.validate(template) == [
            TemplateError(pointer: "/a", column: 4, message: "unknown function 'lenght' (did you mean 'len'?)"),
            TemplateError(pointer: "/b/1", column: 9, message: "unexpected end of expression"),
            TemplateError(pointer: "/b/2", column: 1, message: "unterminated '${' (missing '}')"),
            TemplateError(pointer: "/c~1d~0e", column: 1, message: "empty expression in '${}'"),
            TemplateError(
                pointer: "/d", column: 11, message: "unexpected end of expression, expected ')' to close '('"),
            TemplateError(pointer: "/d", column: 21, message: "unknown function 'foo'"),
            TemplateError(
                pointer: "/e/f/0/g", column: 10, message: "unexpected character '=' (use '==' to compare)"),
        ])
        #expect(JSONTemplate.validate(["ok": "${ $.a }", "list": [1, "$${x}"]]) == [])
    }

    @Test("init throws the first error in document order")
    func initThrowsFirstError() {
        #expect(throws: TemplateError(pointer: "/a/0", column: 6, message: "unexpected ')'")) {
            try JSONTemplate(parsing: ["b": "${ 1 + }", "a": ["x ${ ) }"]])
        }
        #expect(throws: TemplateError(pointer: "", column: 7, message: "unterminated '${' (missing '}')")) {
            try JSONTemplate(parsing: "Hello ${ $.name")
        }
    }

    @Test("render errors carry the template pointer")
    func renderErrorCarriesPointer() throws {
        let template = try JSONTemplate(parsing: ["x": ["keep", "${ $.vars.i < 'b' }"], "y": "n=${ -$.vars.text }"])
        #expect(throws: EvaluationError(
            message: "'<' cannot compare number with string (column 10)", expression: "$.vars.i < 'b'", pointer: "/x/1"
        )) {
            try template.render(in: Fixtures.document)
        }
        let interpolated = try JSONTemplate(parsing: ["y": "n=${ -$.vars.text }"])
        #expect(throws: EvaluationError(
            message: "'-' expects a number, found string (column 1)", expression: "-$.vars.text", pointer: "/y"
        )) {
            try interpolated.render(in: Fixtures.document)
        }
    }

    /// The rule for a missing path inside a longer string: an error naming the expression and
    /// where it sits, never the word "null" in the text ("Hello, the team of null!").
    @Test("a null inside a longer string is an error; as a whole value it is null")
    func nullInsideAStringIsAnError() throws {
        let greeting = try JSONTemplate(parsing: ["name": "the team of ${ $.input.name }"])
        #expect(throws: EvaluationError(
            message: "${ $.input.name } is null (is a path missing?) and a string cannot hold null; write ${ coalesce($.input.name, '') } if an empty string is meant",
            expression: "$.input.name", pointer: "/name"
        )) {
            try greeting.render(in: ["input": [:]])
        }
        #expect(try greeting.render(in: ["input": ["name": "Ada"]]) == ["name": "the team of Ada"])
        #expect(try JSONTemplate(parsing: ["name": "x=${ coalesce($.input.name, '') }"]).render(in: ["input": [:]]) == ["name": "x="])
        #expect(try JSONTemplate(parsing: ["name": "${ $.input.name }"]).render(in: ["input": [:]]) == ["name": nil])
        // A constant null is not folded into the text either.
        #expect(throws: EvaluationError.self) { try JSONTemplate(parsing: "x=${ null }").render(in: .null) }
    }

    @Test("templates are equal when their source is")
    func equalityFollowsSource() throws {
        #expect(try JSONTemplate(parsing: ["a": "${$.x}"]) == JSONTemplate(parsing: ["a": "${$.x}"]))
        #expect(try JSONTemplate(parsing: ["a": "${$.x}"]) != JSONTemplate(parsing: ["a": "${ $.x }"]))
    }

    @Test("error description names pointer and column")
    func errorDescriptionReads() {
        let error = TemplateError(pointer: "/items/0/sku", column: 5, message: "unexpected ')'")
        #expect(error.description == "template error at '/items/0/sku', column 5: unexpected ')'")
    }
}
