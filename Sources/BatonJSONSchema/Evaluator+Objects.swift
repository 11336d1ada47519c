import BatonExpressions

extension Evaluator {
    /// The object keywords. Property names are recorded in `annotations` for
    /// `unevaluatedProperties`.
    mutating func checkObject(_ keyword: Keyword, _ members: [String: JSONValue], annotations: inout Annotations) -> Bool {
        let tracks = program.tracksAnnotations
        switch keyword {
        case .maxProperties(let limit):
            return members.count <= limit
                || fail("maxProperties", "expected at most \(Self.propertyCount(limit)), found \(members.count)")
        case .minProperties(let limit):
            return members.count >= limit
                || fail("minProperties", "expected at least \(Self.propertyCount(limit)), found \(members.count)")
        case .requiredProperties(let names):
            var valid = true
            for name in names where members[name] == nil {
                valid = fail("required", "missing required property \(ValueDescription.quoted(name))")
                if !collecting { break }
            }
            return valid
        case .dependentRequired(let requirements):
            return checkDependentRequired(requirements, members)
        case .properties(let named):
            var valid = true
            for entry in named {
                guard let value = members[entry.name] else { continue }
                if tracks { annotations.properties.insert(entry.name) }
                if !descend(entry.node, value, at: .key(entry.name), keyword: "properties", detail: .key(entry.name)) {
                    valid = false
                    if !collecting { break }
                }
            }
            return valid
        case .patternProperties(let entries):
            return everyMember(of: members) { evaluator, name, value in
                var valid = true
                for entry in entries where entry.pattern.matches(name) {
                    if tracks { annotations.properties.insert(name) }
                    let detail = PathComponent.key(entry.pattern.source)
                    if !evaluator.descend(entry.node, value, at: .key(name), keyword: "patternProperties", detail: detail) {
                        valid = false
                        if !evaluator.collecting { break }
                    }
                }
                return valid
            }
        case .additionalProperties(let node, let covered, let patterns):
            return everyMember(of: members) { evaluator, name, value in
                if covered.contains(name) || patterns.contains(where: { $0.matches(name) }) { return true }
                if tracks { annotations.properties.insert(name) }
                return evaluator.descend(node, value, at: .key(name), keyword: "additionalProperties")
            }
        case .propertyNames(let node):
            return everyMember(of: members) { evaluator, name, _ in
                evaluator.checkPropertyName(name, against: node)
            }
        case .unevaluatedProperties(let node):
            return everyMember(of: members) { evaluator, name, value in
                if annotations.properties.contains(name) { return true }
                annotations.properties.insert(name)
                return evaluator.descend(node, value, at: .key(name), keyword: "unevaluatedProperties")
            }
        default:
            return true
        }
    }

    /// `dependentSchemas`: each subschema applies to the whole object when its property is present.
    mutating func applyDependentSchemas(
        _ named: [NamedSubschema], _ members: [String: JSONValue], _ instance: JSONValue, annotations: inout Annotations
    ) -> Bool {
        var valid = true
        for entry in named where members[entry.name] != nil {
            let passed = applyInPlace(
                entry.node, instance, keyword: "dependentSchemas", detail: .key(entry.name),
                into: &annotations, keepingAnnotationsOnFailure: true)
            if !passed {
                valid = false
                if !collecting { break }
            }
        }
        return valid
    }

    /// Runs `body` for every member, in name order when collecting (so errors come out in a
    /// stable order) and in storage order, stopping at the first failure, when checking.
    private mutating func everyMember(
        of members: [String: JSONValue], _ body: (inout Evaluator, String, JSONValue) -> Bool
    ) -> Bool {
        guard collecting else {
            for (name, value) in members {
                if !body(&self, name, value) { return false }
            }
            return true
        }
        var valid = true
        for name in members.keys.sorted() {
            guard let value = members[name] else { continue }
            if !body(&self, name, value) { valid = false }
        }
        return valid
    }

    private mutating func checkDependentRequired(_ requirements: [DependentRequirement], _ members: [String: JSONValue]) -> Bool {
        var valid = true
        for requirement in requirements where members[requirement.property] != nil {
            for name in requirement.required where members[name] == nil {
                valid = fail(
                    "dependentRequired",
                    "missing property \(ValueDescription.quoted(name)), which is required when \(ValueDescription.quoted(requirement.property)) is present",
                    detail: .key(requirement.property))
                if !collecting { return false }
            }
        }
        return valid
    }

    /// `propertyNames` validates each name as a string; its errors are prefixed with the name,
    /// since their instance path (the member) would otherwise suggest the value was at fault.
    private mutating func checkPropertyName(_ name: String, against node: Int) -> Bool {
        let mark = errors.count
        let valid = descend(node, .string(name), at: .key(name), keyword: "propertyNames")
        if !valid, !program.nodes[node].isFalse {
            for index in mark..<errors.count {
                errors[index].message = "invalid property name \(ValueDescription.quoted(name)): " + errors[index].message
            }
        }
        return valid
    }

    private static func propertyCount(_ count: Int) -> String {
        ValueDescription.count(count, "property", plural: "properties")
    }
}
