import NIOCore
import PostgresNIO

/// One column of a multi-row statement, bound as a binary PostgreSQL array and unpacked by
/// `unnest($1::text[], $2::bigint[], …) AS x(a, b, …)`: a batch becomes one statement per table,
/// each row's values travel as length-prefixed binary elements.
///
/// Why not one JSON parameter unpacked by `json_to_recordset` (what the store sent before): the
/// server lexed every document three times (the parameter's cast to `json`, the record set, each
/// nested `json` column) and hex-decoded every Kafka value; `json_lex` was the hottest function
/// of the PostgreSQL backend in a profile of the benchmark. A binary array is read element by
/// element with no parsing, and documents already serialised go in as their bytes.
///
/// A nil appends SQL NULL. Columns of one statement must hold the same number of elements:
/// `unnest` pads a shorter one with NULLs rather than failing.
struct ArrayColumn<Element: ArrayColumnElement>: PostgresDynamicTypeEncodable, Sendable {
    private var elements = ByteBuffer()
    private(set) var count = 0
    private var hasNulls = false

    init() {}

    var isEmpty: Bool { count == 0 }
    var psqlType: PostgresDataType { Element.arrayType }
    var psqlFormat: PostgresFormat { .binary }

    /// `array_recv`'s input: dimensions, null flag, element type, then (for one dimension) its
    /// length and lower bound, then each element as a length (-1: NULL) and its bytes.
    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(count == 0 ? 0 : 1, as: Int32.self)
        buffer.writeInteger(hasNulls ? 1 : 0, as: Int32.self)
        buffer.writeInteger(Element.elementType.rawValue)
        guard count > 0 else { return }
        buffer.writeInteger(Int32(count))
        buffer.writeInteger(1, as: Int32.self)
        var elements = elements
        buffer.writeBuffer(&elements)
    }

    fileprivate mutating func appendNull() {
        elements.writeInteger(-1, as: Int32.self)
        hasNulls = true
        count += 1
    }

    fileprivate mutating func append<Bytes: Collection<UInt8>>(bytes: Bytes) {
        elements.writeInteger(Int32(bytes.count))
        elements.writeBytes(bytes)
        count += 1
    }
}

/// The element types a column can hold.
protocol ArrayColumnElement: Sendable {
    static var elementType: PostgresDataType { get }
    static var arrayType: PostgresDataType { get }
}

enum TextElement: ArrayColumnElement {
    static var elementType: PostgresDataType { .text }
    static var arrayType: PostgresDataType { .textArray }
}

enum Int8Element: ArrayColumnElement {
    static var elementType: PostgresDataType { .int8 }
    static var arrayType: PostgresDataType { .int8Array }
}

enum ByteaElement: ArrayColumnElement {
    static var elementType: PostgresDataType { .bytea }
    static var arrayType: PostgresDataType { .byteaArray }
}

/// `text[]`: strings, and serialised JSON documents as their UTF-8 bytes (the binary form of
/// `text`).
typealias TextColumn = ArrayColumn<TextElement>
/// `bigint[]` (inserted into `integer` columns by assignment casts).
typealias Int8Column = ArrayColumn<Int8Element>
/// `bytea[]`: Kafka keys, values and encoded headers.
typealias ByteaColumn = ArrayColumn<ByteaElement>

extension ArrayColumn where Element == TextElement {
    mutating func append(_ value: String?) {
        guard var value else { return appendNull() }
        value.withUTF8 { append(bytes: $0) }
    }

    /// A document already serialised (its bytes are UTF-8 JSON).
    mutating func append(utf8 value: [UInt8]?) {
        guard let value else { return appendNull() }
        append(bytes: value)
    }
}

extension ArrayColumn where Element == Int8Element {
    mutating func append(_ value: Int64?) {
        guard let value else { return appendNull() }
        elements.writeInteger(8, as: Int32.self)
        elements.writeInteger(value)
        count += 1
    }

    mutating func append(_ value: Int?) {
        append(value.map(Int64.init))
    }
}

extension ArrayColumn where Element == ByteaElement {
    mutating func append(_ value: [UInt8]?) {
        guard let value else { return appendNull() }
        append(bytes: value)
    }
}
