/// Locating invalid UTF-8, used only after the standard library has already rejected a string.
///
/// The parser validates strings with `String(validating:as:)`, which is fast but does not say
/// where the problem is; this scalar-by-scalar walk recovers the offset for the error message.
enum UTF8Validation {
    /// The index of the first byte of the first ill-formed sequence in `bytes[range]`, or `nil`.
    ///
    /// Follows the Unicode well-formed byte sequence table: no overlong forms, no surrogates
    /// (U+D800–U+DFFF), nothing above U+10FFFF.
    static func firstInvalidIndex(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index < range.upperBound {
            let length = sequenceLength(in: bytes, at: index, end: range.upperBound)
            if length == 0 { return index }
            index += length
        }
        return nil
    }

    /// The length of the well-formed sequence starting at `index`, or 0 when it is ill-formed.
    static func sequenceLength(in bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        let secondRange: ClosedRange<UInt8>
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2; secondRange = 0x80...0xBF
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; secondRange = 0x80...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4; secondRange = 0x80...0xBF
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return 0
        }
        guard index + length <= end, secondRange.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            return 0
        }
        return length
    }

    /// A human-readable name for the input byte at `index`: `'x'`, `'é'`, `control character
    /// U+0001` or `invalid UTF-8 byte 0xFF`.
    static func describe(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> String {
        let byte = bytes[index]
        switch byte {
        case 0x20...0x7E:
            return "'\(Character(Unicode.Scalar(byte)))'"
        case 0x00...0x1F, 0x7F:
            return "control character U+\(hex(UInt32(byte), width: 4))"
        default:
            let length = sequenceLength(in: bytes, at: index, end: bytes.count)
            guard length > 0 else { return "invalid UTF-8 byte 0x\(hex(UInt32(byte), width: 2))" }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]), as: UTF8.self)
            return "'\(text)'"
        }
    }

    /// Upper-case hexadecimal, zero-padded to `width` digits.
    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
