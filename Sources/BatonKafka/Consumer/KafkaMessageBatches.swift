/// The batches a ``KafkaConsumer`` polls, as an `AsyncSequence`.
///
/// Batches rather than single messages, so that Baton can process many inputs in one store
/// transaction and commit once. Errors from librdkafka are logged by the consumer, never thrown:
/// they are transient (the client reconnects by itself), and ending the sequence would stop
/// the workflow engine. The sequence ends after ``KafkaConsumer/close()`` or when the iterating
/// task is cancelled. Only one iterator at a time.
public struct KafkaMessageBatches: AsyncSequence, Sendable {
    public typealias Element = [KafkaMessage]
    public typealias Failure = Never

    let buffer: BatchBuffer

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(buffer: buffer)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = [KafkaMessage]
        public typealias Failure = Never

        let buffer: BatchBuffer

        public mutating func next() async -> [KafkaMessage]? {
            await buffer.next()
        }
    }
}
