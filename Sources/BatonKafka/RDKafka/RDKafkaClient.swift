import CRDKafka

/// Owns one `rd_kafka_t` and destroys it last.
///
/// `@unchecked Sendable` is safe because librdkafka handles are thread-safe (every public
/// `rd_kafka_*` call on a client may come from any thread) and this class holds no mutable
/// Swift state.
final class RDKafkaClient: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Kept alive until after `rd_kafka_destroy`: callbacks read it until then.
    let context: RDKafkaClientContext

    init(_ pointer: OpaquePointer, context: RDKafkaClientContext) {
        self.pointer = pointer
        self.context = context
    }

    deinit {
        rd_kafka_destroy(pointer)
    }
}
