/// Lends librdkafka the bytes of an optional buffer: `nil` for a missing one and a non-null
/// address for an empty one, because librdkafka reads a NULL pointer as Kafka's null.
func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    if bytes.isEmpty {
        return withUnsafeBytes(of: UInt8(0)) { byte in
            body(UnsafeRawBufferPointer(start: byte.baseAddress, count: 0))
        }
    }
    return bytes.withUnsafeBytes { body($0) }
}
