import BatonExpressions

/// One compiled keyword of a schema node, with its value already checked and converted.
///
/// Subschemas are referred to by node index (see ``SchemaProgram``), never by value, so that
/// references and recursion are plain integers and validation never walks the schema's JSON.
/// Keywords that only make sense together are compiled together: `items` knows how many items
/// `prefixItems` covers, `additionalProperties` knows the names and patterns of its siblings,
/// `contains` carries `minContains`/`maxContains`, and `if` carries `then` and `else`.
enum Keyword: Sendable {
    /// The boolean schema `false`.
    case falseSchema
    case types(JSONTypeSet, names: [String])
    case enumeration([JSONValue])
    case constant(JSONValue)
    case multipleOf(Double)
    case maximum(Double)
    case exclusiveMaximum(Double)
    case minimum(Double)
    case exclusiveMinimum(Double)
    case maxLength(Int)
    case minLength(Int)
    case pattern(CompiledPattern)
    case maxItems(Int)
    case minItems(Int)
    case uniqueItems
    case prefixItems([Int])
    /// `items`, applied to the elements after the first `prefixCount`.
    case items(Int, prefixCount: Int)
    /// `contains`; `minimum` is 1 unless `minContains` says otherwise.
    case contains(Int, minimum: Int, maximum: Int?, explicitMinimum: Bool)
    case maxProperties(Int)
    case minProperties(Int)
    case requiredProperties([String])
    case dependentRequired([DependentRequirement])
    case properties([NamedSubschema])
    case patternProperties([PatternSubschema])
    /// `additionalProperties`, with the names `properties` covers and the patterns of
    /// `patternProperties` next to it.
    case additionalProperties(Int, covered: Set<String>, patterns: [CompiledPattern])
    case propertyNames(Int)
    case dependentSchemas([NamedSubschema])
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    /// `if` with its optional `then` and `else`.
    case conditional(Int, whenValid: Int?, whenInvalid: Int?)
    case ref(Int)
    /// `$dynamicRef`: `target` is the static resolution; `anchor` is set when that target is a
    /// `$dynamicAnchor` of the same name, the only case in which the dynamic scope is searched.
    case dynamicRef(Int, anchor: String?)
    case unevaluatedItems(Int)
    case unevaluatedProperties(Int)
}

/// A subschema that applies to one named property (`properties`, `dependentSchemas`).
struct NamedSubschema: Sendable {
    var name: String
    var node: Int
}

/// A subschema that applies to every property whose name matches `pattern`.
struct PatternSubschema: Sendable {
    var pattern: CompiledPattern
    var node: Int
}

/// `dependentRequired`: when `property` is present, so must be every name in `required`.
struct DependentRequirement: Sendable {
    var property: String
    var required: [String]
}

/// The JSON types a `type` keyword allows.
struct JSONTypeSet: OptionSet, Sendable {
    let rawValue: UInt8

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    static let null = JSONTypeSet(rawValue: 1 << 0)
    static let boolean = JSONTypeSet(rawValue: 1 << 1)
    static let object = JSONTypeSet(rawValue: 1 << 2)
    static let array = JSONTypeSet(rawValue: 1 << 3)
    static let number = JSONTypeSet(rawValue: 1 << 4)
    static let string = JSONTypeSet(rawValue: 1 << 5)
    static let integer = JSONTypeSet(rawValue: 1 << 6)

    /// The type named `name` in a schema, or `nil` for a name JSON Schema does not define.
    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "object": self = .object
        case "array": self = .array
        case "number": self = .number
        case "string": self = .string
        case "integer": self = .integer
        default: return nil
        }
    }

    /// Whether `value` has one of these types; any number with a zero fractional part is an
    /// integer, so `1.0` passes `integer`.
    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .object: contains(.object)
        case .array: contains(.array)
        case .string: contains(.string)
        case .number(let number): contains(.number) || (contains(.integer) && number.isIntegral)
        }
    }
}

extension Double {
    /// Whether this is a finite number without fractional part, JSON Schema's notion of integer.
    var isIntegral: Bool { isFinite && rounded(.towardZero) == self }
}
