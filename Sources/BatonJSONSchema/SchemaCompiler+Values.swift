import BatonExpressions

/// Reading keyword values: each helper checks the value's shape and names the keyword and its
/// location when it is wrong, so a broken schema is reported where it is broken.
extension SchemaCompiler {
    /// `type`: one type name or a non-empty array of them.
    func types(_ value: JSONValue, at location: SchemaLocation) throws(SchemaError) -> Keyword {
        var names: [String] = []
        switch value {
        case .string(let name):
            names = [name]
        case .array(let elements):
            for element in elements {
                guard case .string(let name) = element else {
                    throw failure("type must list type names as strings, found \(ValueDescription.found(element))", at: location)
                }
                names.append(name)
            }
        default:
            throw failure("type must be a type name or an array of them, found \(ValueDescription.found(value))", at: location)
        }
        guard !names.isEmpty else { throw failure("type must name at least one type", at: location) }
        var set = JSONTypeSet()
        for name in names {
            guard let type = JSONTypeSet(name: name) else {
                throw failure(
                    "unknown type \"\(name)\"; the types are null, boolean, object, array, number, string and integer",
                    at: location)
            }
            set.insert(type)
        }
        return .types(set, names: names)
    }

    /// A number-valued keyword (`maximum`, `multipleOf`, …) of the schema at `location`.
    func number(_ value: JSONValue, _ keyword: String, at location: SchemaLocation) throws(SchemaError) -> Double {
        guard case .number(let number) = value, number.isFinite else {
            throw failure("\(keyword) must be a number, found \(ValueDescription.found(value))", at: location.appending(keyword))
        }
        return number
    }

    /// A non-negative integer keyword (`maxLength`, `minItems`, …); `2.0` counts as `2`.
    func count(_ value: JSONValue, _ keyword: String, at location: SchemaLocation) throws(SchemaError) -> Int {
        guard case .number(let number) = value, number.isIntegral, number >= 0 else {
            throw failure(
                "\(keyword) must be a non-negative integer, found \(ValueDescription.found(value))", at: location.appending(keyword))
        }
        return number < 9.0e18 ? Int(number) : Int.max
    }

    /// An array of strings (`required`, `dependentRequired` members); `location` is the value's.
    func strings(_ value: JSONValue, _ keyword: String, at location: SchemaLocation) throws(SchemaError) -> [String] {
        guard case .array(let elements) = value else {
            throw failure("\(keyword) must be an array of strings, found \(ValueDescription.found(value))", at: location)
        }
        var strings: [String] = []
        for element in elements {
            guard case .string(let string) = element else {
                throw failure("\(keyword) must contain only strings, found \(ValueDescription.found(element))", at: location)
            }
            strings.append(string)
        }
        return strings
    }

    /// An object-valued keyword; `location` is the value's.
    func object(_ value: JSONValue, _ keyword: String, at location: SchemaLocation) throws(SchemaError) -> [String: JSONValue] {
        guard case .object(let members) = value else {
            throw failure("\(keyword) must be an object, found \(ValueDescription.found(value))", at: location)
        }
        return members
    }

    /// A non-empty array of schemas (`allOf`, `prefixItems`, …), compiled.
    mutating func subschemas(
        _ value: JSONValue, _ keyword: String, at location: SchemaLocation, resource: Int
    ) throws(SchemaError) -> [Int] {
        let keywordLocation = location.appending(keyword)
        guard case .array(let elements) = value, !elements.isEmpty else {
            throw failure("\(keyword) must be a non-empty array of schemas, found \(ValueDescription.found(value))", at: keywordLocation)
        }
        var compiled: [Int] = []
        for offset in elements.indices {
            let node = try compile(keywordLocation.appending(offset), resource: resource)
            compiled.append(node)
        }
        return compiled
    }

    /// An object of schemas by property name (`properties`, `dependentSchemas`), compiled, in
    /// name order.
    mutating func namedSubschemas(
        _ value: JSONValue, _ keyword: String, at location: SchemaLocation, resource: Int
    ) throws(SchemaError) -> [NamedSubschema] {
        let keywordLocation = location.appending(keyword)
        var named: [NamedSubschema] = []
        for name in try object(value, keyword, at: keywordLocation).keys.sorted() {
            let node = try compile(keywordLocation.appending(name), resource: resource)
            named.append(NamedSubschema(name: name, node: node))
        }
        return named
    }

    /// The compiled regular expression for `source`, shared with every other use of the same text.
    mutating func pattern(_ source: String, at location: SchemaLocation) throws(SchemaError) -> CompiledPattern {
        if let compiled = patterns[source] { return compiled }
        let compiled: CompiledPattern
        do {
            compiled = try CompiledPattern(ecmaScript: source)
        } catch {
            throw failure("\(ValueDescription.quoted(source)) is not a supported ECMA-262 regular expression: \(error.message)", at: location)
        }
        patterns[source] = compiled
        return compiled
    }
}
