import BatonExpressions

extension SchemaCompiler {
    /// Compiles the keywords of the object schema at `location`, in a fixed order: assertions on
    /// the value itself, then applicators, then references, then the unevaluated keywords, which
    /// must see what everything else evaluated. A fixed order (not the dictionary's) also keeps
    /// error lists stable from run to run. Unknown keywords and annotations are ignored.
    mutating func compileKeywords(
        _ schema: [String: JSONValue], at location: SchemaLocation, resource: Int
    ) throws(SchemaError) -> [Keyword] {
        try checkIdentifiers(schema, at: location)
        var keywords: [Keyword] = []
        try compileAssertions(schema, at: location, into: &keywords)
        try compileArrayKeywords(schema, at: location, resource: resource, into: &keywords)
        try compileObjectKeywords(schema, at: location, resource: resource, into: &keywords)
        try compileCombinators(schema, at: location, resource: resource, into: &keywords)
        try compileReferences(schema, at: location, resource: resource, into: &keywords)
        if schema["unevaluatedItems"] != nil {
            keywords.append(.unevaluatedItems(try compile(location.appending("unevaluatedItems"), resource: resource)))
            tracksAnnotations = true
        }
        if schema["unevaluatedProperties"] != nil {
            keywords.append(.unevaluatedProperties(try compile(location.appending("unevaluatedProperties"), resource: resource)))
            tracksAnnotations = true
        }
        return keywords
    }

    /// `type`, `const`, `enum` and the number and string assertions.
    private mutating func compileAssertions(
        _ schema: [String: JSONValue], at location: SchemaLocation, into keywords: inout [Keyword]
    ) throws(SchemaError) {
        if let value = schema["type"] { keywords.append(try types(value, at: location.appending("type"))) }
        if let value = schema["const"] { keywords.append(.constant(value)) }
        if let value = schema["enum"] {
            guard case .array(let values) = value else {
                throw failure("enum must be an array, found \(ValueDescription.found(value))", at: location.appending("enum"))
            }
            keywords.append(.enumeration(values))
        }
        if let value = schema["multipleOf"] {
            let divisor = try number(value, "multipleOf", at: location)
            guard divisor > 0 else { throw failure("multipleOf must be greater than 0", at: location.appending("multipleOf")) }
            keywords.append(.multipleOf(divisor))
        }
        if let value = schema["maximum"] { keywords.append(.maximum(try number(value, "maximum", at: location))) }
        if let value = schema["exclusiveMaximum"] {
            keywords.append(.exclusiveMaximum(try number(value, "exclusiveMaximum", at: location)))
        }
        if let value = schema["minimum"] { keywords.append(.minimum(try number(value, "minimum", at: location))) }
        if let value = schema["exclusiveMinimum"] {
            keywords.append(.exclusiveMinimum(try number(value, "exclusiveMinimum", at: location)))
        }
        if let value = schema["maxLength"] { keywords.append(.maxLength(try count(value, "maxLength", at: location))) }
        if let value = schema["minLength"] { keywords.append(.minLength(try count(value, "minLength", at: location))) }
        if let value = schema["pattern"] {
            guard case .string(let source) = value else {
                throw failure("pattern must be a string, found \(ValueDescription.found(value))", at: location.appending("pattern"))
            }
            keywords.append(.pattern(try pattern(source, at: location.appending("pattern"))))
        }
    }

    /// `maxItems`, `minItems`, `uniqueItems`, `prefixItems`, `items` and `contains` with
    /// `minContains`/`maxContains`.
    private mutating func compileArrayKeywords(
        _ schema: [String: JSONValue], at location: SchemaLocation, resource: Int, into keywords: inout [Keyword]
    ) throws(SchemaError) {
        if let value = schema["maxItems"] { keywords.append(.maxItems(try count(value, "maxItems", at: location))) }
        if let value = schema["minItems"] { keywords.append(.minItems(try count(value, "minItems", at: location))) }
        if let value = schema["uniqueItems"] {
            guard case .bool(let unique) = value else {
                throw failure("uniqueItems must be a boolean, found \(ValueDescription.found(value))", at: location.appending("uniqueItems"))
            }
            if unique { keywords.append(.uniqueItems) }
        }
        var prefixCount = 0
        if let value = schema["prefixItems"] {
            let prefix = try subschemas(value, "prefixItems", at: location, resource: resource)
            prefixCount = prefix.count
            keywords.append(.prefixItems(prefix))
        }
        if let value = schema["items"] {
            if case .array = value {
                throw failure("items must be a single schema in draft 2020-12; use prefixItems for tuples", at: location.appending("items"))
            }
            keywords.append(.items(try compile(location.appending("items"), resource: resource), prefixCount: prefixCount))
        }
        if schema["contains"] != nil {
            let node = try compile(location.appending("contains"), resource: resource)
            var minimum = 1
            var explicitMinimum = false
            if let value = schema["minContains"] {
                minimum = try count(value, "minContains", at: location)
                explicitMinimum = true
            }
            var maximum: Int?
            if let value = schema["maxContains"] { maximum = try count(value, "maxContains", at: location) }
            keywords.append(.contains(node, minimum: minimum, maximum: maximum, explicitMinimum: explicitMinimum))
        }
    }

    /// The object keywords, from `maxProperties` to `dependentSchemas`.
    private mutating func compileObjectKeywords(
        _ schema: [String: JSONValue], at location: SchemaLocation, resource: Int, into keywords: inout [Keyword]
    ) throws(SchemaError) {
        if let value = schema["maxProperties"] { keywords.append(.maxProperties(try count(value, "maxProperties", at: location))) }
        if let value = schema["minProperties"] { keywords.append(.minProperties(try count(value, "minProperties", at: location))) }
        if let value = schema["required"] {
            keywords.append(.requiredProperties(try strings(value, "required", at: location.appending("required"))))
        }
        if let value = schema["dependentRequired"] {
            let keywordLocation = location.appending("dependentRequired")
            var requirements: [DependentRequirement] = []
            for (property, names) in try object(value, "dependentRequired", at: keywordLocation).sorted(by: { $0.key < $1.key }) {
                let required = try strings(names, "dependentRequired/\(property)", at: keywordLocation.appending(property))
                requirements.append(DependentRequirement(property: property, required: required))
            }
            keywords.append(.dependentRequired(requirements))
        }
        var covered: Set<String> = []
        if let value = schema["properties"] {
            let named = try namedSubschemas(value, "properties", at: location, resource: resource)
            covered = Set(named.map(\.name))
            keywords.append(.properties(named))
        }
        var propertyPatterns: [CompiledPattern] = []
        if let value = schema["patternProperties"] {
            let keywordLocation = location.appending("patternProperties")
            var entries: [PatternSubschema] = []
            for source in try object(value, "patternProperties", at: keywordLocation).keys.sorted() {
                let memberLocation = keywordLocation.appending(source)
                let compiled = try pattern(source, at: memberLocation)
                let node = try compile(memberLocation, resource: resource)
                entries.append(PatternSubschema(pattern: compiled, node: node))
                propertyPatterns.append(compiled)
            }
            keywords.append(.patternProperties(entries))
        }
        if schema["additionalProperties"] != nil {
            let node = try compile(location.appending("additionalProperties"), resource: resource)
            keywords.append(.additionalProperties(node, covered: covered, patterns: propertyPatterns))
        }
        if schema["propertyNames"] != nil {
            keywords.append(.propertyNames(try compile(location.appending("propertyNames"), resource: resource)))
        }
        if let value = schema["dependentSchemas"] {
            keywords.append(.dependentSchemas(try namedSubschemas(value, "dependentSchemas", at: location, resource: resource)))
        }
    }

    /// `allOf`, `anyOf`, `oneOf`, `not` and `if` with `then`/`else` (which mean nothing alone).
    private mutating func compileCombinators(
        _ schema: [String: JSONValue], at location: SchemaLocation, resource: Int, into keywords: inout [Keyword]
    ) throws(SchemaError) {
        if let value = schema["allOf"] { keywords.append(.allOf(try subschemas(value, "allOf", at: location, resource: resource))) }
        if let value = schema["anyOf"] { keywords.append(.anyOf(try subschemas(value, "anyOf", at: location, resource: resource))) }
        if let value = schema["oneOf"] { keywords.append(.oneOf(try subschemas(value, "oneOf", at: location, resource: resource))) }
        if schema["not"] != nil { keywords.append(.not(try compile(location.appending("not"), resource: resource))) }
        if schema["if"] != nil {
            let condition = try compile(location.appending("if"), resource: resource)
            var whenValid: Int?
            if schema["then"] != nil { whenValid = try compile(location.appending("then"), resource: resource) }
            var whenInvalid: Int?
            if schema["else"] != nil { whenInvalid = try compile(location.appending("else"), resource: resource) }
            // Kept even without `then` and `else`: when `if` passes, what it evaluated counts for
            // the unevaluated keywords.
            keywords.append(.conditional(condition, whenValid: whenValid, whenInvalid: whenInvalid))
        }
    }

    /// `$ref` and `$dynamicRef`, resolved against the base URI of `resource` (so an `$id` next to
    /// them applies first).
    private mutating func compileReferences(
        _ schema: [String: JSONValue], at location: SchemaLocation, resource: Int, into keywords: inout [Keyword]
    ) throws(SchemaError) {
        for keyword in ["$ref", "$dynamicRef"] {
            guard let value = schema[keyword] else { continue }
            let keywordLocation = location.appending(keyword)
            guard case .string(let reference) = value else {
                throw failure("\(keyword) must be a string, found \(ValueDescription.found(value))", at: keywordLocation)
            }
            let target = try resolve(reference, keyword: keyword, at: keywordLocation, resource: resource)
            let node = try compile(target.location, resource: index.resource(containing: target.location))
            if keyword == "$ref" {
                keywords.append(.ref(node))
            } else {
                if let anchor = target.dynamicAnchor { dynamicRefNames.insert(anchor) }
                keywords.append(.dynamicRef(node, anchor: target.dynamicAnchor))
            }
        }
    }

    /// `$id`, `$anchor` and `$dynamicAnchor` must be well formed wherever they are compiled, even
    /// though the index already read them (it skips values it cannot use).
    private func checkIdentifiers(_ schema: [String: JSONValue], at location: SchemaLocation) throws(SchemaError) {
        if let value = schema["$id"] {
            guard case .string(let id) = value else {
                throw failure("$id must be a string, found \(ValueDescription.found(value))", at: location.appending("$id"))
            }
            if let fragment = URIReference(parsing: id).fragment, !fragment.isEmpty {
                throw failure("$id must not contain a fragment; use $anchor to name a subschema", at: location.appending("$id"))
            }
        }
        for keyword in ["$anchor", "$dynamicAnchor"] {
            guard let value = schema[keyword] else { continue }
            guard case .string(let name) = value, Self.isAnchorName(name) else {
                throw failure(
                    "\(keyword) must be a name that starts with a letter or '_' and continues with letters, digits, '-', '.' or '_'",
                    at: location.appending(keyword))
            }
        }
    }

    /// `^[A-Za-z_][-A-Za-z0-9._]*$`, the anchor grammar of draft 2020-12.
    private static func isAnchorName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
        guard isLetter(first) else { return false }
        return name.utf8.dropFirst().allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
    }
}
