import BatonExpressions
import Yams

/// Turns a definition as a user wrote it (JSON or YAML text) into a `JSONValue` document.
///
/// YAML is accepted because people write definitions by hand; it is converted to JSON right away,
/// so the store, the API and the engine only ever see one representation.
public enum DefinitionDocument {
    /// Parses JSON when the text starts with `{`, YAML otherwise (YAML 1.2 is a superset of JSON,
    /// but our JSON parser gives exact error positions and is faster).
    public static func parse(_ text: String) throws(DefinitionError) -> JSONValue {
        let firstNonSpace = text.utf8.first { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }
        if firstNonSpace == UInt8(ascii: "{") {
            do {
                return try JSONValue.parse(text)
            } catch {
                throw DefinitionError(issues: [
                    DefinitionIssue(field: "", column: error.column, message: "invalid JSON at line \(error.line), column \(error.column): \(error.message)")
                ])
            }
        }
        return try parseYAML(text)
    }

    static func parseYAML(_ text: String) throws(DefinitionError) -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw DefinitionError(issues: [DefinitionIssue(field: "", message: "invalid YAML: \(error)")])
        }
        guard let node else {
            throw DefinitionError(issues: [DefinitionIssue(field: "", message: "the document is empty")])
        }
        var issues: [DefinitionIssue] = []
        let value = convert(node, pointer: "", issues: &issues)
        if !issues.isEmpty { throw DefinitionError(issues: issues) }
        return value
    }

    private static func convert(_ node: Node, pointer: String, issues: inout [DefinitionIssue]) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.description) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .number(Double($0)) } ?? .string(scalar.string)
            case .float:
                if let f = node.float, f.isFinite { return .number(f) }
                issues.append(DefinitionIssue(field: pointer, message: "'\(scalar.string)' is not a finite number"))
                return .null
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            elements.reserveCapacity(sequence.count)
            for (index, element) in sequence.enumerated() {
                elements.append(convert(element, pointer: pointer + "/\(index)", issues: &issues))
            }
            return .array(elements)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    issues.append(DefinitionIssue(field: pointer, message: "mapping keys must be strings"))
                    continue
                }
                let name = keyScalar.string
                members[name] = convert(value, pointer: pointer + "/" + escapePointerToken(name), issues: &issues)
            }
            return .object(members)
        case .alias:
            issues.append(DefinitionIssue(field: pointer, message: "YAML aliases are not supported in definitions"))
            return .null
        }
    }
}

/// Escapes a JSON Pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`).
func escapePointerToken(_ token: String) -> String {
    guard token.contains("~") || token.contains("/") else { return token }
    return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
