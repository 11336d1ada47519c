import BatonExpressions
import BatonStore
import NIOCore
import PostgresNIO

/// Bytes bound as `bytea` (Kafka keys, values, headers): postgres-nio would send `[UInt8]` as an
/// array of `"char"`.
struct Bytea: PostgresNonThrowingEncodable, Sendable {
    static var psqlType: PostgresDataType { .bytea }
    static var psqlFormat: PostgresFormat { .binary }

    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeBytes(bytes)
    }
}

/// Serialised JSON bound as `text` straight from its UTF-8 bytes (the binary format of `text` is
/// its UTF-8), without building a `String` first.
struct JSONText: PostgresNonThrowingEncodable, Sendable {
    static var psqlType: PostgresDataType { .text }
    static var psqlFormat: PostgresFormat { .binary }

    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeBytes(bytes)
    }
}

extension Optional where Wrapped == [UInt8] {
    var bytea: Bytea? { map(Bytea.init) }
    var jsonText: JSONText? { map(JSONText.init) }
}

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }

    /// Parses a JSON `text` column; a column that does not parse means the database was changed
    /// outside Baton: `.corrupt`.
    func json(_ what: @autoclosure () -> String) throws(StoreError) -> JSONValue {
        do {
            return try JSONValue.parse(readableBytesView)
        } catch {
            throw StoreError(.corrupt, "\(what()) is not valid JSON (\(error)); restore the database from a backup")
        }
    }
}

extension Optional where Wrapped == ByteBuffer {
    func json(_ what: @autoclosure () -> String) throws(StoreError) -> JSONValue? {
        guard let self else { return nil }
        return try self.json(what())
    }
}
