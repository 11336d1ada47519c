/// Why a JSON document was rejected, and exactly where.
///
/// Messages arrive from Kafka, HTTP bodies and definition files; an operator reading a log line
/// needs the position of the offending byte, not just "invalid JSON". `offset` is the 0-based
/// byte offset into the UTF-8 input; `line` and `column` are 1-based, with columns counted in
/// Unicode scalars (so a multi-byte character counts once), and only `\n` ending a line.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, e.g. "unexpected ']', expected a JSON value".
    public var message: String
    /// 0-based byte offset of the offending input byte (or of the end of the input).
    public var offset: Int
    /// 1-based line of `offset`.
    public var line: Int
    /// 1-based column of `offset` within its line, counted in Unicode scalars.
    public var column: Int

    /// Creates an error; the parser fills every field, tests and adapters may build their own.
    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// e.g. `invalid JSON at line 3, column 8 (byte 19): unexpected ']', expected a JSON value`.
    public var description: String {
        "invalid JSON at line \(line), column \(column) (byte \(offset)): \(message)"
    }
}

extension JSONParseError {
    /// Builds an error for `offset` in `input`, computing line and column by rescanning the prefix.
    ///
    /// Only the failure path pays for this scan; the parser itself never tracks lines.
    init(_ message: String, at offset: Int, in input: UnsafeBufferPointer<UInt8>) {
        var line = 1
        var column = 1
        var index = 0
        let limit = min(offset, input.count)
        while index < limit {
            let byte = input[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0b1100_0000 != 0b1000_0000 {
                // Count scalar starts only, so continuation bytes do not widen the column.
                column += 1
            }
            index += 1
        }
        self.init(message: message, offset: offset, line: line, column: column)
    }
}
