import BatonCore

/// The position after the last instance of a listing page: instances are listed newest first,
/// ordered by `(createdAt, id)` descending, so this pair identifies the next page's start exactly.
///
/// Shared by every backend so that a cursor means the same everywhere. Encoded as lowercase hex of
/// `"<createdAt ms>:<id>"`: opaque to clients, URL-safe, and never ambiguous because the id comes
/// last.
package struct InstanceCursor: Sendable, Hashable {
    package var createdAt: Int64
    package var id: String

    package init(createdAt: Int64, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    package var encoded: String { LowercaseHex.encode("\(createdAt):\(id)".utf8) }

    /// Decodes `encoded`; throws `.invalid` for anything a store did not produce.
    package init(encoded: String) throws(StoreError) {
        func invalid() -> StoreError {
            StoreError(.invalid, "the cursor '\(encoded.prefix(80))' is not one this store returned; pass a page's nextCursor unchanged")
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        let hex = Array(encoded.utf8)
        guard !hex.isEmpty, hex.count % 2 == 0 else { throw invalid() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = 0
        while index < hex.count {
            guard let high = nibble(hex[index]), let low = nibble(hex[index + 1]) else { throw invalid() }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            let createdAt = Int64(String(decoding: bytes[..<colon], as: UTF8.self)),
            let id = String(validating: bytes[(colon + 1)...], as: UTF8.self)
        else { throw invalid() }
        self.init(createdAt: createdAt, id: id)
    }
}

extension InstanceQuery {
    /// Checks the limit (1...1000) and decodes the cursor, the same way for every backend.
    package func validatedCursor() throws(StoreError) -> InstanceCursor? {
        guard (1...1000).contains(limit) else {
            throw StoreError(.invalid, "limit must be between 1 and 1000, got \(limit)")
        }
        return try cursor.map { encoded throws(StoreError) in try InstanceCursor(encoded: encoded) }
    }
}
