/// A record header: Baton carries message ids and trace context in them so that consumers can
/// de-duplicate and correlate without parsing the payload.
public struct KafkaHeader: Sendable, Hashable {
    public var key: String
    /// `nil` is Kafka's null header value, distinct from an empty one.
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
