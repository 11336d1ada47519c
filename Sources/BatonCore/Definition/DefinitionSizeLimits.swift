import BatonExpressions

/// Bounds on a definition's size, checked before anything is compiled.
///
/// A definition is text a caller sends; compiling it builds a step table, checks every `next`
/// and parses every expression. A document with a hundred thousand steps or a megabyte-long
/// expression is refused on a linear walk of what was parsed, with the limit it broke, instead of
/// being compiled at a cost the caller chose.
public enum DefinitionSizeLimits {
    /// Steps in the whole definition, nested ones (branches, foreach, error handlers) included.
    public static let maxSteps = 10_000
    /// Bytes of any one string: an expression, a description, an id.
    public static let maxStringBytes = 64 * 1024

    /// The issues of a document beyond the limits; empty when it fits.
    public static func issues(in document: JSONValue) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        var steps = 0
        var pending: [(value: JSONValue, pointer: String)] = [(document, "")]
        while let (value, pointer) = pending.popLast() {
            switch value {
            case .string(let text) where text.utf8.count > maxStringBytes:
                issues.append(DefinitionIssue(field: pointer.isEmpty ? "/" : pointer, message: "a string of \(text.utf8.count) bytes; at most \(maxStringBytes) are accepted"))
            case .object(let members):
                if case .array(let list)? = members["steps"] { steps += list.count }
                for (key, member) in members { pending.append((member, pointer + "/" + escape(key))) }
            case .array(let items):
                for (index, item) in items.enumerated() { pending.append((item, pointer + "/\(index)")) }
            default:
                break
            }
            if issues.count >= 10 { break }
        }
        if steps > maxSteps {
            issues.insert(DefinitionIssue(field: "/steps", message: "\(steps) steps (nested ones included); at most \(maxSteps) are accepted"), at: 0)
        }
        return issues
    }

    /// A JSON Pointer reference token (RFC 6901).
    private static func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
