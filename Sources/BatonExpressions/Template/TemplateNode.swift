/// The compiled form of a `JSONTemplate`; constant subtrees are folded into `constant`.
indirect enum TemplateNode: Sendable {
    case constant(JSONValue)
    /// A string that was exactly `${ expr }`: replaced by the expression's value, of any type.
    case expression(Expression, pointer: String)
    /// A string mixing text and `${ expr }`: always renders to a string.
    case interpolation([TemplateSegment], pointer: String)
    case array([TemplateNode])
    /// Members in sorted key order, so rendering (and its first error) is deterministic.
    case object([TemplateMember])

    var constantValue: JSONValue? {
        if case .constant(let value) = self { return value }
        return nil
    }
}

struct TemplateMember: Sendable {
    var key: String
    var node: TemplateNode
}

enum TemplateSegment: Sendable {
    case text(String)
    case expression(Expression)
}

/// RFC 6901 pointers, used to say where in a template something is.
enum JSONPointer {
    /// Appends one reference token, escaping `~` as `~0` and `/` as `~1`.
    static func appending(_ token: String, to pointer: String) -> String {
        var escaped = ""
        for character in token.unicodeScalars {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return pointer + "/" + escaped
    }
}
