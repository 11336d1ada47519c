/// Writes compact JSON into a byte buffer.
///
/// Output is deterministic so that serialised state, hashes and idempotency keys are stable:
/// object keys in Swift `String` order (Unicode scalar values of the canonically normalised
/// text, which for NFC keys is plain code-point and UTF-8 byte order), no whitespace, integral
/// numbers without a fraction, non-finite numbers as `null`. Package-visible so other encoders of
/// the package (OTLP spans) write through the same escaping.
package struct JSONWriter {
    package var output: [UInt8] = []
    let sortedKeys: Bool

    package init(sortedKeys: Bool, capacity: Int = 256) {
        self.sortedKeys = sortedKeys
        output.reserveCapacity(capacity)
    }

    package mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let number): writeNumber(number)
        case .string(let string): writeString(string)
        case .array(let elements):
            output.append(ASCII.openBracket)
            var first = true
            for element in elements {
                if !first { output.append(ASCII.comma) }
                first = false
                write(element)
            }
            output.append(ASCII.closeBracket)
        case .object(let members):
            output.append(ASCII.openBrace)
            if sortedKeys {
                var first = true
                for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                    if !first { output.append(ASCII.comma) }
                    first = false
                    writeMember(key, member)
                }
            } else {
                var first = true
                for (key, member) in members {
                    if !first { output.append(ASCII.comma) }
                    first = false
                    writeMember(key, member)
                }
            }
            output.append(ASCII.closeBrace)
        }
    }

    private mutating func writeMember(_ key: String, _ value: JSONValue) {
        writeString(key)
        output.append(ASCII.colon)
        write(value)
    }

    /// Integral values within ±2^53 print as integers ("3", not "3.0"); other finite values use
    /// Swift's shortest round-tripping form ("0.1", "1e-07", "1e+300"), which is valid JSON.
    package mutating func writeNumber(_ number: Double) {
        guard number.isFinite else {
            append("null")
            return
        }
        if number.magnitude <= 9_007_199_254_740_992, number == number.rounded(.towardZero) {
            writeInteger(Int64(number))
        } else {
            output.append(contentsOf: number.description.utf8)
        }
    }

    package mutating func writeInteger(_ integer: Int64) {
        if integer < 0 { output.append(ASCII.minus) }
        var magnitude = integer.magnitude
        let start = output.count
        repeat {
            output.append(ASCII.zero + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        output[start...].reverse()
    }

    package mutating func writeString(_ string: String) {
        output.append(ASCII.quote)
        var string = string
        string.withUTF8 { writeEscaped($0) }
        output.append(ASCII.quote)
    }

    /// Appends `bytes`, escaping quotes, backslashes and control characters, copying the runs
    /// between them in bulk.
    private mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20, byte != ASCII.quote, byte != ASCII.backslash {
                index += 1
                continue
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            writeEscape(byte)
            index += 1
            runStart = index
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
    }

    private mutating func writeEscape(_ byte: UInt8) {
        output.append(ASCII.backslash)
        switch byte {
        case ASCII.quote: output.append(ASCII.quote)
        case ASCII.backslash: output.append(ASCII.backslash)
        case ASCII.newline: output.append(UInt8(ascii: "n"))
        case ASCII.carriageReturn: output.append(UInt8(ascii: "r"))
        case ASCII.tab: output.append(UInt8(ascii: "t"))
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        default:
            let hexDigits: StaticString = "0123456789abcdef"
            output.append(ASCII.u)
            output.append(ASCII.zero)
            output.append(ASCII.zero)
            output.append(hexDigits.utf8Start[Int(byte >> 4)])
            output.append(hexDigits.utf8Start[Int(byte & 0x0F)])
        }
    }

    package mutating func append(_ literal: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
