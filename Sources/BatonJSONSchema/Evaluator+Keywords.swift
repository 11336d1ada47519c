import BatonExpressions

extension Evaluator {
    /// Applies one keyword to `instance`; `annotations` is what the node's keywords evaluated so
    /// far (the unevaluated keywords read it, the others add to it).
    ///
    /// Type-specific keywords pass values of other types: `maxLength` says nothing about a number.
    mutating func apply(_ keyword: Keyword, to instance: JSONValue, annotations: inout Annotations) -> Bool {
        switch keyword {
        case .falseSchema:
            return fail(nil, "no value is allowed here (the schema is false)")
        case .types(let types, let names):
            return types.matches(instance)
                || fail("type", "expected \(names.joined(separator: " or ")), found \(ValueDescription.found(instance))")
        case .enumeration(let values):
            return checkEnumeration(values, instance)
        case .constant(let value):
            return value.isSchemaEqual(to: instance)
                || fail("const", "expected \(ValueDescription.literal(value)), found \(ValueDescription.literal(instance))")
        case .multipleOf, .maximum, .exclusiveMaximum, .minimum, .exclusiveMinimum:
            guard case .number(let number) = instance else { return true }
            return checkNumber(keyword, number)
        case .maxLength, .minLength, .pattern:
            guard case .string(let string) = instance else { return true }
            return checkString(keyword, string)
        case .maxItems, .minItems, .uniqueItems, .prefixItems, .items, .contains, .unevaluatedItems:
            guard case .array(let elements) = instance else { return true }
            return checkArray(keyword, elements, annotations: &annotations)
        case .maxProperties, .minProperties, .requiredProperties, .dependentRequired, .properties,
            .patternProperties, .additionalProperties, .propertyNames, .unevaluatedProperties:
            guard case .object(let members) = instance else { return true }
            return checkObject(keyword, members, annotations: &annotations)
        case .dependentSchemas(let named):
            guard case .object(let members) = instance else { return true }
            return applyDependentSchemas(named, members, instance, annotations: &annotations)
        case .allOf(let nodes):
            return applyAllOf(nodes, instance, annotations: &annotations)
        case .anyOf(let nodes):
            return applyAnyOf(nodes, instance, annotations: &annotations)
        case .oneOf(let nodes):
            return applyOneOf(nodes, instance, annotations: &annotations)
        case .not(let node):
            var ignored = Annotations()
            return !check(node, instance, keyword: "not", into: &ignored)
                || fail("not", "the value must not match the schema in not")
        case .conditional(let condition, let whenValid, let whenInvalid):
            return applyConditional(condition, whenValid, whenInvalid, instance, annotations: &annotations)
        case .ref(let target):
            return follow(target, keyword: "$ref", instance, into: &annotations)
        case .dynamicRef(let target, let anchor):
            return follow(dynamicTarget(target, anchor: anchor), keyword: "$dynamicRef", instance, into: &annotations)
        }
    }

    /// Where a `$dynamicRef` lands: its static target, unless that target is a `$dynamicAnchor`,
    /// in which case the outermost resource of the dynamic scope that declares a `$dynamicAnchor`
    /// of the same name wins.
    func dynamicTarget(_ target: Int, anchor: String?) -> Int {
        guard let anchor else { return target }
        for resource in dynamicScope {
            if let node = program.dynamicAnchors[resource][anchor] { return node }
        }
        return target
    }

    private mutating func checkEnumeration(_ values: [JSONValue], _ instance: JSONValue) -> Bool {
        if values.contains(where: { $0.isSchemaEqual(to: instance) }) { return true }
        if values.isEmpty { return fail("enum", "no value is allowed here (enum is empty)") }
        return fail("enum", "expected \(ValueDescription.alternatives(values)), found \(ValueDescription.literal(instance))")
    }

    private mutating func checkNumber(_ keyword: Keyword, _ number: Double) -> Bool {
        let found = ValueDescription.number(number)
        switch keyword {
        case .multipleOf(let divisor):
            return Self.isMultiple(number, of: divisor)
                || fail("multipleOf", "expected a multiple of \(ValueDescription.number(divisor)), found \(found)")
        case .maximum(let limit):
            return number <= limit
                || fail("maximum", "expected a value of at most \(ValueDescription.number(limit)), found \(found)")
        case .exclusiveMaximum(let limit):
            return number < limit
                || fail("exclusiveMaximum", "expected a value less than \(ValueDescription.number(limit)), found \(found)")
        case .minimum(let limit):
            return number >= limit
                || fail("minimum", "expected a value of at least \(ValueDescription.number(limit)), found \(found)")
        case .exclusiveMinimum(let limit):
            return number > limit
                || fail("exclusiveMinimum", "expected a value greater than \(ValueDescription.number(limit)), found \(found)")
        default:
            return true
        }
    }

    /// Whether `value` is an integer multiple of `divisor`, allowing the few units in the last
    /// place of error that binary floating point adds to decimal inputs (`0.0075` is a multiple
    /// of `0.0001` although the division does not yield exactly 75). A quotient too large to
    /// represent is not a multiple.
    static func isMultiple(_ value: Double, of divisor: Double) -> Bool {
        if value == 0 { return true }
        let quotient = value / divisor
        guard quotient.isFinite else { return false }
        let nearest = quotient.rounded()
        return abs(quotient - nearest) <= 4 * nearest.ulp
    }

    /// Lengths count Unicode code points, as JSON Schema requires: "é" precomposed is 1, an emoji
    /// outside the BMP is 1 (not 2 UTF-16 units).
    private mutating func checkString(_ keyword: Keyword, _ string: String) -> Bool {
        switch keyword {
        case .maxLength(let limit):
            let length = string.unicodeScalars.count
            return length <= limit
                || fail("maxLength", "expected at most \(ValueDescription.count(limit, "character")), found \(length)")
        case .minLength(let limit):
            let length = string.unicodeScalars.count
            return length >= limit
                || fail("minLength", "expected at least \(ValueDescription.count(limit, "character")), found \(length)")
        case .pattern(let pattern):
            return pattern.matches(string)
                || fail("pattern", "\(ValueDescription.quoted(string)) does not match the pattern \(pattern.source)")
        default:
            return true
        }
    }
}
