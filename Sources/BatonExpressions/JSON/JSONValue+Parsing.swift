extension JSONValue {
    /// The nesting depth `parse` accepts unless told otherwise.
    ///
    /// Deep enough for any real workflow document, shallow enough that hostile input cannot
    /// exhaust the stack of a cooperative-pool thread.
    public static let defaultMaxDepth = 256

    /// Parses one JSON document (RFC 8259, strictly) from UTF-8 bytes.
    ///
    /// Strict, because what is accepted here is persisted and replayed: invalid UTF-8, lone
    /// surrogate escapes, control characters inside strings, leading zeros, trailing commas and
    /// anything after the value are errors, each reported with its byte offset, line and column.
    /// Duplicate object keys are accepted and the last one wins. Numbers out of `Double` range
    /// are errors; a byte-order mark is not skipped.
    ///
    /// - Parameters:
    ///   - maxDepth: Maximum nesting of arrays and objects. Default: 256.
    ///   - maxBytes: Reject larger inputs before looking at them. Default: no limit.
    public static func parse(
        _ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth, maxBytes: Int? = nil
    ) throws(JSONParseError) -> JSONValue {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(buffer: buffer, maxDepth: maxDepth, maxBytes: maxBytes) }
        }
        if let contiguous { return try contiguous.get() }
        return try parse(Array(bytes), maxDepth: maxDepth, maxBytes: maxBytes)
    }

    /// Parses one JSON document from a byte array; see `parse(_:maxDepth:maxBytes:)`.
    public static func parse(
        _ bytes: [UInt8], maxDepth: Int = defaultMaxDepth, maxBytes: Int? = nil
    ) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try parse(buffer: buffer, maxDepth: maxDepth, maxBytes: maxBytes) }
        }
        return try result.get()
    }

    /// Parses one JSON document from raw memory, e.g. a Kafka message payload, without copying it;
    /// see `parse(_:maxDepth:maxBytes:)`.
    public static func parse(
        _ buffer: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth, maxBytes: Int? = nil
    ) throws(JSONParseError) -> JSONValue {
        try parse(buffer: buffer.assumingMemoryBound(to: UInt8.self), maxDepth: maxDepth, maxBytes: maxBytes)
    }

    /// Parses one JSON document from a string; see `parse(_:maxDepth:maxBytes:)`.
    public static func parse(
        _ string: String, maxDepth: Int = defaultMaxDepth, maxBytes: Int? = nil
    ) throws(JSONParseError) -> JSONValue {
        try parse(string.utf8, maxDepth: maxDepth, maxBytes: maxBytes)
    }

    static func parse(
        buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxBytes: Int?
    ) throws(JSONParseError) -> JSONValue {
        if let maxBytes, buffer.count > maxBytes {
            throw JSONParseError(
                "document is \(buffer.count) bytes, more than the limit of \(maxBytes)", at: maxBytes, in: buffer)
        }
        var parser = JSONParser(input: buffer, maxDepth: maxDepth)
        return try parser.parseDocument()
    }
}
