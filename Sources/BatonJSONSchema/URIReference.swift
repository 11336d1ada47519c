/// An RFC 3986 URI reference split into its five components.
///
/// `$id` and `$ref` are URI references resolved against the base URI of the schema they sit
/// in; schemas use `http(s)`, `urn` and `file` URIs alike, so this implements the generic syntax
/// (RFC 3986 appendix B and §5.2) and nothing scheme-specific. Parsing never fails: any string
/// splits into components, and a reference nobody registered fails later, when it is looked up.
struct URIReference: Sendable, Hashable {
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var fragment: String?

    /// Splits `text` by the regular expression of RFC 3986 appendix B, without percent-decoding.
    init(parsing text: String) {
        let bytes = Array(text.utf8)
        var position = 0

        func isDelimiter(_ byte: UInt8, _ set: StaticString) -> Bool {
            set.withUTF8Buffer { $0.contains(byte) }
        }
        func slice(_ range: Range<Int>) -> String {
            String(decoding: bytes[range], as: UTF8.self)
        }

        // A scheme is everything before the first ':' when no '/', '?' or '#' comes first.
        scheme = nil
        if let colon = bytes.firstIndex(where: { isDelimiter($0, ":/?#") }), bytes[colon] == UInt8(ascii: ":"), colon > 0 {
            scheme = slice(0..<colon)
            position = colon + 1
        }

        authority = nil
        if bytes.count - position >= 2, bytes[position] == UInt8(ascii: "/"), bytes[position + 1] == UInt8(ascii: "/") {
            let start = position + 2
            let end = bytes[start...].firstIndex(where: { isDelimiter($0, "/?#") }) ?? bytes.count
            authority = slice(start..<end)
            position = end
        }

        let pathEnd = bytes[position...].firstIndex(where: { isDelimiter($0, "?#") }) ?? bytes.count
        path = slice(position..<pathEnd)
        position = pathEnd

        query = nil
        if position < bytes.count, bytes[position] == UInt8(ascii: "?") {
            let end = bytes[position...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
            query = slice((position + 1)..<end)
            position = end
        }

        fragment = nil
        if position < bytes.count, bytes[position] == UInt8(ascii: "#") {
            fragment = slice((position + 1)..<bytes.count)
        }
    }

    /// Whether the reference carries a scheme, i.e. is an absolute URI rather than a relative one.
    var isAbsolute: Bool { scheme != nil }

    /// The same reference without its fragment: the URI of the schema resource it names.
    var withoutFragment: URIReference {
        var copy = self
        copy.fragment = nil
        return copy
    }

    /// The reference recomposed as text (RFC 3986 §5.3).
    var text: String {
        var result = ""
        if let scheme { result += scheme + ":" }
        if let authority { result += "//" + authority }
        result += path
        if let query { result += "?" + query }
        if let fragment { result += "#" + fragment }
        return result
    }

    /// This reference resolved against `base`, by the strict algorithm of RFC 3986 §5.2.2.
    func resolved(against base: URIReference) -> URIReference {
        var target = self
        if scheme != nil {
            target.path = Self.removingDotSegments(path)
            return target
        }
        target.scheme = base.scheme
        if authority != nil {
            target.path = Self.removingDotSegments(path)
            return target
        }
        target.authority = base.authority
        if path.isEmpty {
            target.path = base.path
            target.query = query ?? base.query
        } else if path.hasPrefix("/") {
            target.path = Self.removingDotSegments(path)
        } else {
            target.path = Self.removingDotSegments(Self.merge(base: base, with: path))
        }
        return target
    }

    /// RFC 3986 §5.2.3: the relative path appended to the base path's directory.
    private static func merge(base: URIReference, with relativePath: String) -> String {
        if base.authority != nil, base.path.isEmpty { return "/" + relativePath }
        guard let slash = base.path.lastIndex(of: "/") else { return relativePath }
        return String(base.path[...slash]) + relativePath
    }

    /// RFC 3986 §5.2.4: interprets `.` and `..` segments.
    static func removingDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var input = Substring(path)
        var output: [Substring] = []
        let absolute = input.hasPrefix("/")
        if absolute { input = input.dropFirst() }
        let segments = input.split(separator: "/", omittingEmptySubsequences: false)
        for (offset, segment) in segments.enumerated() {
            let isLast = offset == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        let joined = output.joined(separator: "/")
        return absolute ? "/" + joined : joined
    }
}
