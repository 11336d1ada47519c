import BatonExpressions

/// Reads typed fields out of a JSON object and reports the first violation with a pointer.
struct FieldReader {
    let object: [String: JSONValue]
    let pointer: String

    init(_ value: JSONValue, pointer: String = "", what: String) throws(MessageError) {
        guard case .object(let object) = value else {
            throw MessageError(.schemaViolation, "\(what) must be a JSON object, found \(value.typeName)", pointer: pointer)
        }
        self.object = object
        self.pointer = pointer
    }

    func string(_ key: String) throws(MessageError) -> String {
        guard let value = object[key], !value.isNull else { throw missing(key) }
        guard case .string(let s) = value, !s.isEmpty else { throw wrongType(key, "a non-empty string", value) }
        return s
    }

    func optionalString(_ key: String) throws(MessageError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .string(let s) = value else { throw wrongType(key, "a string", value) }
        return s
    }

    func integer(_ key: String, minimum: Int = Int.min) throws(MessageError) -> Int {
        guard let value = object[key], !value.isNull else { throw missing(key) }
        guard let i = value.intValue, i >= minimum else { throw wrongType(key, "an integer ≥ \(minimum)", value) }
        return i
    }

    func optionalBool(_ key: String) throws(MessageError) -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .bool(let b) = value else { throw wrongType(key, "a boolean", value) }
        return b
    }

    func missing(_ key: String) -> MessageError {
        MessageError(.schemaViolation, "required field '\(key)' is missing", pointer: pointer + "/" + key)
    }

    func wrongType(_ key: String, _ expected: String, _ found: JSONValue) -> MessageError {
        let shown: String
        switch found {
        case .string(let s): shown = "\"\(s.prefix(40))\""
        case .number, .bool: shown = found.serialized()
        default: shown = found.typeName
        }
        return MessageError(.schemaViolation, "field '\(key)' must be \(expected), found \(shown)", pointer: pointer + "/" + key)
    }
}

/// Parses a message value as JSON, mapping failures to `MessageError`.
func parseJSONValue(_ bytes: [UInt8], maxBytes: Int) throws(MessageError) -> JSONValue {
    guard bytes.count <= maxBytes else {
        throw MessageError(.oversized, "the value is \(bytes.count) bytes; the limit is \(maxBytes)")
    }
    do {
        return try JSONValue.parse(bytes)
    } catch {
        throw MessageError(.malformed, "not valid JSON: \(error.message) at line \(error.line), column \(error.column)")
    }
}
