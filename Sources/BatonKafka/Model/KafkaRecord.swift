/// An outgoing record.
///
/// The partition is chosen by librdkafka's partitioner from the key, so records with the same key
/// (for example one workflow instance) stay in order.
public struct KafkaRecord: Sendable, Hashable {
    public var topic: String
    /// `nil` spreads keyless records over partitions.
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}
