/// Outbox and dead-letter headers in one binary column, shared by the SQL backends: for each
/// header, a 4-byte big-endian key length, the key's UTF-8, a 4-byte value length and the value
/// bytes.
///
/// Binary rather than JSON because Kafka header values are arbitrary bytes.
package enum OutboxHeaderCoding {
    package static func encode(_ headers: [OutboxHeader]) -> [UInt8]? {
        guard !headers.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(headers.reduce(0) { $0 + 8 + $1.key.utf8.count + $1.value.count })
        func appendLength(_ count: Int) {
            let value = UInt32(count)
            out.append(UInt8(truncatingIfNeeded: value >> 24))
            out.append(UInt8(truncatingIfNeeded: value >> 16))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value))
        }
        for header in headers {
            appendLength(header.key.utf8.count)
            out.append(contentsOf: header.key.utf8)
            appendLength(header.value.count)
            out.append(contentsOf: header.value)
        }
        return out
    }

    package static func decode(_ bytes: [UInt8]?, sequence: Int64) throws(StoreError) -> [OutboxHeader] {
        guard let bytes else { return [] }
        var headers: [OutboxHeader] = []
        var index = 0
        func field() throws(StoreError) -> ArraySlice<UInt8> {
            guard index + 4 <= bytes.count else { throw truncated() }
            let count = Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            index += 4
            guard index + count <= bytes.count else { throw truncated() }
            defer { index += count }
            return bytes[index..<(index + count)]
        }
        func truncated() -> StoreError {
            StoreError(.corrupt, "the headers of outbox message \(sequence) are truncated; restore the database from a backup")
        }
        while index < bytes.count {
            let key = String(decoding: try field(), as: UTF8.self)
            headers.append(OutboxHeader(key: key, value: Array(try field())))
        }
        return headers
    }
}
