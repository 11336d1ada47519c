import BatonExpressions
import BatonStore

/// A dead letter as the API shows it. Keys, values and header values are shown as UTF-8 text
/// when they are valid UTF-8, else base64, with `…Encoding` saying which, so no byte is lost.
enum DeadLetterView {
    static func render(_ record: DeadLetterRecord) -> JSONValue {
        let key = record.key.map(bytes)
        let value = bytes(record.value)
        return [
            "id": .number(Double(record.id)),
            "sourceTopic": .string(record.sourceTopic),
            "sourcePartition": .number(Double(record.sourcePartition)),
            "sourceOffset": .number(Double(record.sourceOffset)),
            "key": key?.text ?? .null,
            "keyEncoding": key?.encoding ?? .null,
            "value": value.text,
            "valueEncoding": value.encoding,
            "headers": .array(record.headers.map { header in
                let v = bytes(header.value)
                return ["key": .string(header.key), "value": v.text, "valueEncoding": v.encoding]
            }),
            "reason": .string(record.reason),
            "message": .string(record.message),
            "pointer": record.pointer.map(JSONValue.string) ?? .null,
            "createdAt": .string(record.createdAt.iso8601),
            "redrivenAt": record.redrivenAt.map { .string($0.iso8601) } ?? .null,
            "redriveCount": .number(Double(record.redriveCount)),
        ]
    }

    private static func bytes(_ raw: [UInt8]) -> (text: JSONValue, encoding: JSONValue) {
        if let text = String(validating: raw, as: UTF8.self) { return (.string(text), "utf8") }
        return (.string(base64(raw)), "base64")
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((data.count + 2) / 3 * 4)
        var i = 0
        while i < data.count {
            let b0 = UInt32(data[i]), b1 = i + 1 < data.count ? UInt32(data[i + 1]) : 0, b2 = i + 2 < data.count ? UInt32(data[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < data.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < data.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
