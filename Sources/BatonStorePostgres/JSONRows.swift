import BatonExpressions
import BatonStore

/// Rows for one multi-row statement, sent as one JSON array parameter and unpacked by the server
/// with `json_to_recordset`: a batch becomes a statement per table instead of a round trip per
/// row (measured: one round trip per row held the PostgreSQL store to ~200 task steps/s).
///
/// Documents already serialised (instance state, history data) are spliced in as raw JSON, not
/// escaped into strings, so the server's `json` value is their text unchanged. Bytes go as hex
/// (`decode(…, 'hex')`).
struct JSONRows {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "[")]
    private(set) var count = 0
    private var fieldsInRow = 0

    var isEmpty: Bool { count == 0 }

    mutating func row(_ fields: (inout JSONRows) -> Void) {
        if count > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        fieldsInRow = 0
        fields(&self)
        bytes.append(UInt8(ascii: "}"))
        count += 1
    }

    private mutating func key(_ name: StaticString) {
        if fieldsInRow > 0 { bytes.append(UInt8(ascii: ",")) }
        fieldsInRow += 1
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func text(_ name: StaticString, _ value: String?) {
        key(name)
        guard let value else { return bytes.append(contentsOf: Self.null) }
        bytes.append(contentsOf: JSONValue.string(value).serializedBytes())
    }

    mutating func int(_ name: StaticString, _ value: Int64?) {
        key(name)
        guard let value else { return bytes.append(contentsOf: Self.null) }
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func int(_ name: StaticString, _ value: Int?) {
        int(name, value.map(Int64.init))
    }

    /// Serialised JSON, spliced in as is; nil is JSON null.
    mutating func raw(_ name: StaticString, _ json: [UInt8]?) {
        key(name)
        bytes.append(contentsOf: json ?? Self.null)
    }

    mutating func hex(_ name: StaticString, _ value: [UInt8]?) {
        key(name)
        guard let value else { return bytes.append(contentsOf: Self.null) }
        bytes.reserveCapacity(bytes.count + value.count * 2 + 2)
        bytes.append(UInt8(ascii: "\""))
        for byte in value {
            bytes.append(Self.digits[Int(byte >> 4)])
            bytes.append(Self.digits[Int(byte & 0x0f)])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The parameter: the array, closed.
    var parameter: JSONText { JSONText(bytes + [UInt8(ascii: "]")]) }

    private static let null = Array("null".utf8)
    private static let digits = Array("0123456789abcdef".utf8)
}
