import BatonExpressions

extension JSONValue {
    /// JSON Schema's equality (`const`, `enum`, `uniqueItems`): numbers by value, objects by
    /// members in any order, and strings by code points. Swift's `==` on `String` (and so on
    /// `JSONValue`) treats canonically equivalent strings as equal (`"é"` and `"e\u{301}"`), which
    /// JSON Schema does not.
    func isSchemaEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isSchemaEqual(to: $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                // Keys compare by code points too: find the member whose key is the same scalars.
                guard let match = b.first(where: { $0.key.unicodeScalars.elementsEqual(key.unicodeScalars) }), value.isSchemaEqual(to: match.value) else {
                    return false
                }
            }
            return true
        default:
            return self == other
        }
    }
}
