import BatonMessages

/// A consumed Kafka record, free of the Kafka client's types so processing can be tested without a broker.
public struct InboundMessage: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [WireHeader]
    /// When the consumer polled it; the start of the step latency the benchmark reports.
    public var receivedAt: ContinuousClock.Instant?
    /// Set on a marker of offsets retention deleted before Baton read them (`offset` is the last
    /// of them); such an input becomes a `LOST_TO_RETENTION` dead letter.
    public var lostOffsets: Range<Int64>?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], headers: [WireHeader] = [], receivedAt: ContinuousClock.Instant? = nil, lostOffsets: Range<Int64>? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.receivedAt = receivedAt
        self.lostOffsets = lostOffsets
    }
}
