/// Which keywords hold subschemas, and in what shape.
///
/// Identifiers (`$id`, `$anchor`, `$dynamicAnchor`) only count inside real subschemas: an `$id`
/// inside `enum`, `const`, `examples` or an unknown keyword is plain data. Indexing therefore
/// descends only through the keywords listed here, the 2020-12 applicators plus `$defs` and
/// `contentSchema`.
enum SubschemaKeywords {
    enum Shape: Sendable {
        /// The value is one schema (`not`, `items`, …).
        case single
        /// The value is an array of schemas (`allOf`, `prefixItems`, …).
        case array
        /// The value is an object whose member values are schemas (`properties`, `$defs`, …).
        case map
    }

    static let shapes: [String: Shape] = [
        "additionalProperties": .single, "propertyNames": .single, "items": .single, "contains": .single,
        "not": .single, "if": .single, "then": .single, "else": .single,
        "unevaluatedItems": .single, "unevaluatedProperties": .single, "contentSchema": .single,
        "allOf": .array, "anyOf": .array, "oneOf": .array, "prefixItems": .array,
        "$defs": .map, "properties": .map, "patternProperties": .map, "dependentSchemas": .map,
    ]
}
