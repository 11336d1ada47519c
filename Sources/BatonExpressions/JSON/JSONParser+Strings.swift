extension JSONParser {
    /// Parses the string whose opening quote is at `position`.
    ///
    /// The common case, a string without escapes, is scanned once and handed to the standard
    /// library's UTF-8 validation in a single call; escapes take the slower copying path.
    mutating func parseString() throws(JSONParseError) -> String {
        let open = position
        var index = open + 1
        var asciiOnly = true
        while index < input.count {
            let byte = input[index]
            if byte == ASCII.quote {
                position = index + 1
                return try makeString(from: (open + 1)..<index, asciiOnly: asciiOnly)
            }
            if byte == ASCII.backslash {
                return try parseEscapedString(open: open, firstEscape: index)
            }
            if byte < 0x20 { throw controlCharacter(at: index) }
            if byte >= 0x80 { asciiOnly = false }
            index += 1
        }
        throw failure("unterminated string", at: open)
    }

    /// The slow path: copies the string into `scratch`, decoding escapes on the way.
    private mutating func parseEscapedString(open: Int, firstEscape: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[(open + 1)..<firstEscape]))
        var index = firstEscape
        while index < input.count {
            let byte = input[index]
            if byte == ASCII.quote {
                position = index + 1
                if let string = scratch.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) {
                    return string
                }
                // Escapes only ever produce valid UTF-8, so the culprit is a raw byte of the input.
                let bad = UTF8Validation.firstInvalidIndex(in: input, range: (open + 1)..<index) ?? open
                throw invalidUTF8(at: bad)
            }
            if byte == ASCII.backslash {
                index = try decodeEscape(at: index)
                continue
            }
            if byte < 0x20 { throw controlCharacter(at: index) }
            scratch.append(byte)
            index += 1
        }
        throw failure("unterminated string", at: open)
    }

    /// Decodes the escape sequence whose backslash is at `index` into `scratch`, returning the
    /// index just after it.
    private mutating func decodeEscape(at index: Int) throws(JSONParseError) -> Int {
        guard index + 1 < input.count else { throw failure("unterminated string", at: index) }
        let decoded: UInt8
        switch input[index + 1] {
        case ASCII.quote: decoded = ASCII.quote
        case ASCII.backslash: decoded = ASCII.backslash
        case ASCII.slash: decoded = ASCII.slash
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = ASCII.newline
        case UInt8(ascii: "r"): decoded = ASCII.carriageReturn
        case UInt8(ascii: "t"): decoded = ASCII.tab
        case ASCII.u: return try decodeUnicodeEscape(at: index)
        default:
            let byte = input[index + 1]
            if (0x21...0x7E).contains(byte) {
                throw failure("invalid escape sequence '\\\(Character(Unicode.Scalar(byte)))'", at: index)
            }
            throw failure(
                "invalid escape sequence: '\\' followed by \(UTF8Validation.describe(in: input, at: index + 1))", at: index)
        }
        scratch.append(decoded)
        return index + 2
    }

    /// Decodes `\uXXXX`, combining a UTF-16 surrogate pair written as two escapes.
    ///
    /// A lone surrogate is not a Unicode scalar and cannot become a Swift `String`, so it is an
    /// error rather than being replaced with U+FFFD.
    private mutating func decodeUnicodeEscape(at index: Int) throws(JSONParseError) -> Int {
        let unit = try hexQuad(at: index + 2, escapeStart: index)
        var scalarValue = UInt32(unit)
        var next = index + 6
        switch unit {
        case 0xD800...0xDBFF:
            guard next + 1 < input.count, input[next] == ASCII.backslash, input[next + 1] == ASCII.u else {
                throw failure("unpaired high surrogate \(quoted(unit)) (a low surrogate escape must follow)", at: index)
            }
            let low = try hexQuad(at: next + 2, escapeStart: next)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw failure(
                    "unpaired high surrogate \(quoted(unit)) (followed by \(quoted(low)), not a low surrogate)", at: index)
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            throw failure("unpaired low surrogate \(quoted(unit))", at: index)
        default:
            break
        }
        appendUTF8(scalarValue)
        return next
    }

    /// `'\uD83D'`, for error messages.
    private func quoted(_ unit: UInt16) -> String {
        "'\\u\(UTF8Validation.hex(UInt32(unit), width: 4))'"
    }

    /// Reads four hexadecimal digits at `start`.
    private func hexQuad(at start: Int, escapeStart: Int) throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        var index = start
        while index < start + 4 {
            guard index < input.count else {
                throw failure("invalid unicode escape, expected 4 hexadecimal digits after '\\u'", at: escapeStart)
            }
            let byte = input[index]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte - ASCII.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw failure("invalid unicode escape, expected 4 hexadecimal digits after '\\u'", at: escapeStart)
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    private func makeString(from range: Range<Int>, asciiOnly: Bool) throws(JSONParseError) -> String {
        let bytes = UnsafeBufferPointer(rebasing: input[range])
        if asciiOnly { return String(decoding: bytes, as: UTF8.self) }
        if let string = String(validating: bytes, as: UTF8.self) { return string }
        throw invalidUTF8(at: UTF8Validation.firstInvalidIndex(in: input, range: range) ?? range.lowerBound)
    }

    private func controlCharacter(at index: Int) -> JSONParseError {
        failure("unescaped \(UTF8Validation.describe(in: input, at: index)) in string", at: index)
    }

    private func invalidUTF8(at index: Int) -> JSONParseError {
        failure("invalid UTF-8 byte 0x\(UTF8Validation.hex(UInt32(input[index]), width: 2)) in string", at: index)
    }
}
