import BatonExpressions

/// A compiled JSON Schema (draft 2020-12), ready to validate any number of instances.
///
/// Compile once, validate often: `init` resolves every `$id`, `$anchor` and `$ref`, compiles the
/// regular expressions and checks keyword values, so `validate` only walks the instance. The
/// value is immutable and `Sendable`; share one across requests and tasks.
///
/// ```swift
/// let schema = try JSONSchema(["type": "object", "required": ["id"]])
/// for error in schema.validate(try JSONValue.parse(body)) {
///     print(error.instancePath, error.message)
/// }
/// ```
///
/// Supported: the core, applicator, unevaluated and validation vocabularies of draft 2020-12,
/// including `$dynamicRef`/`$dynamicAnchor` and references into other documents of a
/// ``SchemaRegistry``. Annotation keywords (`title`, `default`, `examples`, `format`,
/// `contentMediaType`, …), `$schema`, `$vocabulary` and unknown keywords do not affect
/// validation; in particular `format` is not asserted. `pattern` is ECMA-262 as the specification
/// requires, translated to Swift's `Regex`; the few ECMA-262 features Swift cannot run (lookbehind,
/// some Unicode properties) are rejected when compiling.
public struct JSONSchema: Sendable {
    /// The base URI of a schema that declares no `$id` and is given no `baseURI`. It only matters
    /// for relative references to other documents, which then resolve under this (unreachable,
    /// `.invalid`) host.
    public static let defaultBaseURI = "https://baton.invalid/schema.json"

    let program: SchemaProgram

    /// Compiles `document`.
    ///
    /// - Parameters:
    ///   - document: The schema: an object or a boolean.
    ///   - registry: Documents that `$ref` may point to besides `document` itself. Nothing is
    ///     ever fetched over the network.
    ///   - baseURI: The URI `document` was retrieved from; its `$id`, if any, resolves against it,
    ///     and relative references resolve against the result.
    /// - Throws: ``SchemaError`` for a malformed keyword, an unsupported regular expression or a
    ///   reference that resolves to nothing. Only schemas reachable from `document` are checked,
    ///   so unused `$defs` entries are not.
    public init(
        _ document: JSONValue, registry: SchemaRegistry = SchemaRegistry(), baseURI: String = JSONSchema.defaultBaseURI
    ) throws(SchemaError) {
        program = try SchemaCompiler.compile(document, baseURI: SchemaRegistry.key(for: baseURI), registry: registry)
    }

    /// Every reason `instance` does not satisfy the schema; empty when it does.
    ///
    /// Errors come in schema order (and, for object members, in name order), the same for the
    /// same input. A quick pass decides validity first, so a valid instance costs no messages.
    public func validate(_ instance: JSONValue) -> [ValidationError] {
        var checker = Evaluator(program: program, collecting: false)
        if checker.validateRoot(instance) { return [] }
        var collector = Evaluator(program: program, collecting: true)
        _ = collector.validateRoot(instance)
        if collector.errors.isEmpty {
            // Both passes evaluate the same keywords; this keeps an invalid instance from ever
            // coming back without an error should they disagree.
            return [ValidationError(instancePath: "", keywordPath: "", message: "the value does not match the schema")]
        }
        return collector.errors
    }

    /// Whether `instance` satisfies the schema; cheaper than `validate(_:).isEmpty` for invalid
    /// instances, since no messages are built.
    public func isValid(_ instance: JSONValue) -> Bool {
        var checker = Evaluator(program: program, collecting: false)
        return checker.validateRoot(instance)
    }
}
