import BatonExpressions

/// JSON pointers (RFC 6901): how errors name places in instances and schemas, and how `$ref`
/// fragments such as `#/$defs/price` name subschemas.
enum JSONPointer {
    /// `token` escaped for use as one pointer segment: `~` becomes `~0` and `/` becomes `~1`.
    static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var result = ""
        for character in token {
            switch character {
            case "~": result += "~0"
            case "/": result += "~1"
            default: result.append(character)
            }
        }
        return result
    }

    /// The unescaped segments of `pointer`, or `nil` when it is not a pointer (it must be empty or
    /// start with `/`, and `~` must be followed by `0` or `1`).
    static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var segments: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let token = unescape(raw) else { return nil }
            segments.append(token)
        }
        return segments
    }

    private static func unescape(_ raw: Substring) -> String? {
        guard raw.utf8.contains(UInt8(ascii: "~")) else { return String(raw) }
        var result = ""
        var iterator = raw.makeIterator()
        while let character = iterator.next() {
            guard character == "~" else {
                result.append(character)
                continue
            }
            switch iterator.next() {
            case .some("0"): result.append("~")
            case .some("1"): result.append("/")
            default: return nil
            }
        }
        return result
    }

    /// The value `pointer` designates inside `document`, or `nil` when it designates nothing.
    /// Array segments must be decimal indices without leading zeros, as RFC 6901 requires.
    static func value(at pointer: String, in document: JSONValue) -> JSONValue? {
        guard let segments = Self.tokens(pointer) else { return nil }
        var current = document
        for token in segments {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = arrayIndex(token), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    private static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        if token.utf8.count > 1 && token.hasPrefix("0") { return nil }
        return Int(token)
    }

    /// `text` with `%XX` escapes decoded as UTF-8, as URI fragments must be before they are read
    /// as pointers or anchor names; `nil` for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: String) -> String? { PercentDecoding.decode(text) }
}

/// One step of a path through an instance or a schema: an object member or an array element.
///
/// Paths are kept as these steps while validating and only rendered as pointer text when an error
/// is reported, so a valid instance never pays for building strings.
enum PathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)

    /// The steps as a JSON pointer, e.g. `/items/3/price`; no steps give the empty pointer.
    static func pointer(_ components: some Sequence<PathComponent>) -> String {
        var result = ""
        for component in components {
            result += "/"
            switch component {
            case .key(let key): result += JSONPointer.escape(key)
            case .index(let index): result += String(index)
            }
        }
        return result
    }
}
