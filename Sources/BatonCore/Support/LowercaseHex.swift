/// Lowercase hexadecimal written straight into bytes: trace and span ids, API keys, instance ids
/// and list cursors all spell bytes this way, one implementation for all of them.
public enum LowercaseHex {
    @usableFromInline static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the two digits of `byte`.
    @inlinable
    public static func append(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }

    /// Appends the 16 digits of `value`, most significant first.
    @inlinable
    public static func append(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift)), to: &out) }
    }

    public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes { append(byte, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func encode(_ value: UInt64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` is only lowercase hex digits.
    public static func isHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
