/// A consumed message.
///
/// A value copied out of librdkafka's buffers, so it can cross tasks and outlive the consumer;
/// `topic`, `partition` and `offset` are what ``KafkaConsumer/commit(_:)`` needs.
public struct KafkaMessage: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// Empty for a null (tombstone) value.
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// Milliseconds since the Unix epoch (producer create time or broker append time), `nil` when
    /// the broker did not provide one.
    public var timestamp: Int64?
    /// When the poll thread took it from librdkafka (for latency measurements).
    public var polledAt: ContinuousClock.Instant
    /// Set on a marker, not a message: these offsets of the partition were deleted by retention
    /// before the group read them (see ``KafkaConsumer/Options/reportsLostOffsets``). The marker's
    /// `offset` is the last lost one, so committing it moves the group past the gap; its key and
    /// value are empty.
    public var lostOffsets: Range<Int64>?

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8],
        headers: [KafkaHeader] = [],
        timestamp: Int64? = nil,
        polledAt: ContinuousClock.Instant = .now,
        lostOffsets: Range<Int64>? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
        self.polledAt = polledAt
        self.lostOffsets = lostOffsets
    }
}
