extension JSONValue {
    /// Compact JSON text of this value.
    ///
    /// Deterministic by default (keys sorted by Unicode scalar values, as Swift orders strings) so that equal values always
    /// produce equal bytes: stored state diffs cleanly and hashes of payloads are stable.
    /// Integral numbers within ±2^53 have no fraction ("3"); non-finite numbers become `null`.
    public func serialized(sortedKeys: Bool = true) -> String {
        String(decoding: serializedBytes(sortedKeys: sortedKeys), as: UTF8.self)
    }

    /// Compact UTF-8 JSON of this value, ready for a Kafka message or an HTTP body; see
    /// `serialized(sortedKeys:)`.
    public func serializedBytes(sortedKeys: Bool = true) -> [UInt8] {
        var writer = JSONWriter(sortedKeys: sortedKeys)
        writer.write(self)
        return writer.output
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact, sorted JSON text, so values read naturally in logs and test failures.
    public var description: String { serialized() }
}
