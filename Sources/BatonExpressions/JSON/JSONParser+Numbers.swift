extension JSONParser {
    /// Parses a number with the exact RFC 8259 grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    ///
    /// Most numbers in messages are small integers or short decimals; those are converted
    /// exactly from a 64-bit mantissa (Clinger's fast path). Anything else goes to the C
    /// library's correctly rounded `strtod` through `Double(_:)`, so results never differ from it.
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var index = position
        let end = input.count
        var negative = false
        if input[index] == ASCII.minus {
            negative = true
            index += 1
        }
        guard index < end, isDigit(input[index]) else {
            throw failure("invalid number, expected a digit after '-'", at: index)
        }

        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var exact = true

        if input[index] == ASCII.zero {
            index += 1
            if index < end, isDigit(input[index]) {
                throw failure("invalid number, leading zeros are not allowed", at: index - 1)
            }
        } else {
            while index < end, isDigit(input[index]) {
                accumulate(input[index], into: &mantissa, digits: &significantDigits, exponent: &exponent,
                           exact: &exact, isFraction: false)
                index += 1
            }
        }

        if index < end, input[index] == ASCII.dot {
            index += 1
            guard index < end, isDigit(input[index]) else {
                throw failure("invalid number, expected a digit after '.'", at: index)
            }
            while index < end, isDigit(input[index]) {
                accumulate(input[index], into: &mantissa, digits: &significantDigits, exponent: &exponent,
                           exact: &exact, isFraction: true)
                index += 1
            }
        }

        if index < end, input[index] == ASCII.e || input[index] == ASCII.upperE {
            index += 1
            var exponentNegative = false
            if index < end, input[index] == ASCII.plus || input[index] == ASCII.minus {
                exponentNegative = input[index] == ASCII.minus
                index += 1
            }
            guard index < end, isDigit(input[index]) else {
                throw failure("invalid number, expected a digit in the exponent", at: index)
            }
            var explicitExponent = 0
            while index < end, isDigit(input[index]) {
                // Saturate: anything this large is zero or out of range either way.
                if explicitExponent < 100_000 { explicitExponent = explicitExponent * 10 + Int(input[index] - ASCII.zero) }
                index += 1
            }
            exponent += exponentNegative ? -explicitExponent : explicitExponent
        }

        position = index
        if exact, mantissa <= JSONNumber.maxExactInteger, let value = JSONNumber.fastPath(mantissa, exponent) {
            return .number(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw failure("number \(text) is out of range of a 64-bit double", at: start)
        }
        return .number(value)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- ASCII.zero < 10
    }

    @inline(__always)
    private func accumulate(
        _ byte: UInt8, into mantissa: inout UInt64, digits: inout Int, exponent: inout Int,
        exact: inout Bool, isFraction: Bool
    ) {
        if digits < 19 {
            mantissa = mantissa &* 10 &+ UInt64(byte &- ASCII.zero)
            if mantissa != 0 { digits += 1 }
            if isFraction { exponent -= 1 }
        } else {
            // More than 19 significant digits: leave it to strtod.
            exact = false
        }
    }
}

/// Exact decimal-to-double conversion for the common case.
enum JSONNumber {
    /// 2^53: every integer up to here is exactly representable as a `Double`.
    static let maxExactInteger: UInt64 = 1 << 53

    /// Exactly representable powers of ten (10^0 … 10^22).
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// `mantissa × 10^exponent` when both factors are exact doubles, so the single
    /// multiplication or division is correctly rounded; `nil` otherwise.
    @inline(__always)
    static func fastPath(_ mantissa: UInt64, _ exponent: Int) -> Double? {
        if exponent == 0 { return Double(mantissa) }
        if exponent > 0, exponent <= 22 { return Double(mantissa) * powersOfTen[exponent] }
        if exponent < 0, exponent >= -22 { return Double(mantissa) / powersOfTen[-exponent] }
        return mantissa == 0 ? 0 : nil
    }
}
