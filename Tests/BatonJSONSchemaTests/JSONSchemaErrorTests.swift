import BatonExpressions
import BatonJSONSchema
import Testing

/// What people see: error messages, instance paths and keyword paths, and schema errors.
@Suite("JSON Schema errors")
struct JSONSchemaErrorTests {
    static func errors(_ schema: JSONValue, _ instance: JSONValue, registry: SchemaRegistry = SchemaRegistry()) throws -> [ValidationError] {
        try JSONSchema(schema, registry: registry).validate(instance)
    }

    /// The compile error for `schema`, or `nil` (recorded as an issue) when it compiles.
    static func schemaError(_ schema: JSONValue) -> SchemaError? {
        do {
            _ = try JSONSchema(schema)
            Issue.record("expected a SchemaError")
            return nil
        } catch {
            return error
        }
    }

    @Test("a nested failure names the instance location and the keyword")
    func nestedPath() throws {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "items": ["type": "array", "items": ["properties": ["price": ["type": "number", "minimum": 0]]]],
            ],
        ]
        let instance: JSONValue = ["items": [["price": 1], ["price": 2.5], ["price": 3], ["price": -1]]]
        let errors = try Self.errors(schema, instance)
        #expect(errors == [
            ValidationError(
                instancePath: "/items/3/price", keywordPath: "/properties/items/items/properties/price/minimum",
                message: "expected a value of at least 0, found -1"),
        ])
        #expect(errors.first?.description == "/items/3/price: expected a value of at least 0, found -1")
    }

    @Test("a valid instance has no errors")
    func validInstance() throws {
        let schema: JSONValue = ["type": "object", "required": ["id"], "properties": ["id": ["type": "integer"]]]
        #expect(try Self.errors(schema, ["id": 7.0]).isEmpty)
        #expect(try JSONSchema(schema).isValid(["id": 7]))
    }

    @Test("each missing required property is named")
    func requiredNamesTheProperty() throws {
        let errors = try Self.errors(["required": ["id", "name", "total"]], ["id": 1])
        #expect(errors.map(\.message) == ["missing required property \"name\"", "missing required property \"total\""])
        #expect(errors.allSatisfy { $0.instancePath == "" && $0.keywordPath == "/required" })
    }

    @Test(
        "type errors say what was expected and what was found",
        arguments: [
            (["type": "integer"], "12", "expected integer, found string \"12\""),
            (["type": "integer"], 1.5, "expected integer, found number 1.5"),
            (["type": ["string", "null"]], true, "expected string or null, found boolean true"),
            (["type": "object"], [1, 2], "expected object, found array of 2 items"),
        ] as [(JSONValue, JSONValue, String)]
    )
    func typeMessages(schema: JSONValue, instance: JSONValue, message: String) throws {
        #expect(try Self.errors(schema, instance).map(\.message) == [message])
    }

    @Test("a property that is not allowed is reported at its own path")
    func additionalPropertyPath() throws {
        let schema: JSONValue = ["properties": ["a": true], "additionalProperties": false]
        let errors = try Self.errors(schema, ["a": 1, "b/c": 2])
        #expect(errors == [
            ValidationError(instancePath: "/b~1c", keywordPath: "/additionalProperties", message: "property \"b/c\" is not allowed"),
        ])
    }

    @Test("the keyword path follows $ref")
    func keywordPathThroughReference() throws {
        let schema: JSONValue = [
            "$defs": ["price": ["type": "number", "minimum": 0]],
            "properties": ["price": ["$ref": "#/$defs/price"]],
        ]
        let errors = try Self.errors(schema, ["price": -1])
        #expect(errors.map(\.keywordPath) == ["/properties/price/$ref/minimum"])
        #expect(errors.map(\.instancePath) == ["/price"])
    }

    @Test("anyOf reports a summary, then what each branch needed")
    func anyOfSummary() throws {
        let errors = try Self.errors(["anyOf": [["type": "string"], ["type": "number", "minimum": 5]]], 3)
        #expect(errors.map(\.keywordPath) == ["/anyOf", "/anyOf/0/type", "/anyOf/1/minimum"])
        #expect(errors.first?.message == "the value matches none of the 2 schemas in anyOf; it must match at least one")
    }

    @Test("oneOf names the branches that both match")
    func oneOfTwoMatches() throws {
        let errors = try Self.errors(["oneOf": [["type": "number"], ["minimum": 0]]], 3)
        #expect(errors.map(\.message) == [
            "the value matches more than one schema in oneOf (schemas 0 and 1); it must match exactly one",
        ])
    }

    @Test("a failing branch does not make unevaluatedProperties report the properties it covers")
    func unevaluatedPropertiesAfterFailingBranch() throws {
        let schema: JSONValue = [
            "allOf": [["properties": ["name": ["type": "string"]]]],
            "unevaluatedProperties": false,
        ]
        let errors = try Self.errors(schema, ["name": 1, "extra": true])
        #expect(errors.map(\.instancePath) == ["/name", "/extra"])
        #expect(errors.map(\.message) == ["expected string, found number 1", "property \"extra\" is not allowed"])
    }

    @Test("string lengths count code points, patterns are searched, not anchored")
    func stringKeywords() throws {
        #expect(try Self.errors(["maxLength": 2], "\u{1F600}\u{E9}").isEmpty)
        #expect(try Self.errors(["minLength": 3], "ab").map(\.message) == ["expected at least 3 characters, found 2"])
        #expect(try Self.errors(["pattern": "b+"], "abbc").isEmpty)
        #expect(try Self.errors(["pattern": "^[0-9]+$"], "12a").map(\.message) == ["\"12a\" does not match the pattern ^[0-9]+$"])
        #expect(try Self.errors(["pattern": "^\\d+$"], "\u{661}\u{662}").count == 1, "\\d is ASCII-only in ECMA-262")
        #expect(try Self.errors(["pattern": "^[]"], "a").count == 1, "[] matches nothing in ECMA-262")
    }

    @Test("const, enum and uniqueItems compare numbers by value and objects by members")
    func jsonEquality() throws {
        #expect(try Self.errors(["const": ["a": 1, "b": [1.0]]], ["b": [1], "a": 1.0]).isEmpty)
        #expect(try Self.errors(["enum": [1, "x"]], true).map(\.message) == ["expected 1 or \"x\", found true"])
        let duplicates = try Self.errors(["uniqueItems": true], [1, ["a": 1], 1.0])
        #expect(duplicates.map(\.message) == ["items 0 and 2 are equal, but uniqueItems requires every item to be different"])
    }

    @Test("a schema that refers to itself without progress is reported, not looped on")
    func referenceCycle() throws {
        let schema: JSONValue = ["$defs": ["a": ["$ref": "#/$defs/b"], "b": ["$ref": "#/$defs/a"]], "$ref": "#/$defs/a"]
        let errors = try Self.errors(schema, 1)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("refers back to itself") == true)
    }

    @Test("references into the registry resolve; relative ones against the document's $id")
    func registryReference() throws {
        var registry = SchemaRegistry()
        registry.register(
            ["$defs": ["sku": ["type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"]]], uri: "https://example.com/schemas/common.json")
        let schema: JSONValue = ["$id": "https://example.com/schemas/order.json", "properties": ["sku": ["$ref": "common.json#/$defs/sku"]]]
        let errors = try Self.errors(schema, ["sku": "abc"], registry: registry)
        #expect(errors.map(\.keywordPath) == ["/properties/sku/$ref/pattern"])
    }

    @Test("an invalid pattern is a schema error that points at it")
    func invalidPattern() throws {
        let error = try #require(Self.schemaError(["properties": ["sku": ["pattern": "[a-"]]]))
        #expect(error.pointer == "/properties/sku/pattern")
        #expect(error.documentURI == nil)
        #expect(error.message.hasPrefix("\"[a-\" is not a supported ECMA-262 regular expression"))
    }

    @Test("a pattern Swift cannot run is rejected when compiling", arguments: ["(?<=a)b", "(?(1)a|b)", "a*+", "\\1(a)(b)(c)\\4"])
    func unsupportedPattern(pattern: String) throws {
        let error = try #require(Self.schemaError(["pattern": .string(pattern)]))
        #expect(error.pointer == "/pattern")
    }

    @Test("a reference that resolves to nothing is a schema error")
    func unresolvableReference() throws {
        let error = try #require(Self.schemaError(["properties": ["a": ["$ref": "https://example.com/missing.json"]]]))
        #expect(error.pointer == "/properties/a/$ref")
        #expect(error.message.contains("https://example.com/missing.json"))
        let pointerError = try #require(Self.schemaError(["$ref": "#/$defs/nothing"]))
        #expect(pointerError.pointer == "/$ref")
    }

    @Test("malformed keyword values are schema errors", arguments: [
        (["minLength": -1], "/minLength"),
        (["type": "text"], "/type"),
        (["required": "id"], "/required"),
        (["properties": ["a": 1]], "/properties/a"),
        (["allOf": []], "/allOf"),
    ] as [(JSONValue, String)])
    func malformedKeyword(schema: JSONValue, pointer: String) throws {
        let error = try #require(Self.schemaError(schema))
        #expect(error.pointer == pointer)
    }

    @Test("one compiled schema validates concurrently")
    func concurrentValidation() async throws {
        let schema = try JSONSchema(["items": ["type": "string", "pattern": "^[a-z]+$"]])
        let results = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    let instance: JSONValue = .array((0..<200).map { .string($0 % 2 == worker % 2 ? "abc" : "ABC") })
                    return schema.validate(instance).count
                }
            }
            var counts: [Int] = []
            for await count in group { counts.append(count) }
            return counts
        }
        #expect(results == Array(repeating: 100, count: 8))
    }
}
