import BatonCore

/// Copies of inputs Baton could not process, on `<prefix>dlq`: the original key, value and headers,
/// plus headers that say why and where it came from, so nothing is lost silently and a fixed
/// message can be re-injected.
public enum DeadLetterCodec {
    public static let reasonHeader = "baton-dlq-reason"
    public static let messageHeader = "baton-dlq-message"
    public static let pointerHeader = "baton-dlq-pointer"
    public static let topicHeader = "baton-dlq-source-topic"
    public static let partitionHeader = "baton-dlq-source-partition"
    public static let offsetHeader = "baton-dlq-source-offset"
    public static let timeHeader = "baton-dlq-time"
    /// Present when the value was cut to fit the record limit: the original value's size in bytes.
    public static let originalSizeHeader = "baton-dlq-original-size"

    /// - Parameter maxRecordBytes: the producer's limit. A copy that would exceed it keeps its key
    ///   and headers and as much of the value as fits, with ``originalSizeHeader`` giving the
    ///   original size (the whole value stays in the store's dead letter): a dead letter must
    ///   always be publishable, or it would block the outbox it is written to.
    public static func encode(
        error: MessageError, topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8],
        headers: [WireHeader], at time: Timestamp, topics: TopicNames, maxRecordBytes: Int = .max
    ) -> WireMessage {
        // A redriven message that fails again gets fresh reason headers, not a second set.
        var out = headers.filter { !$0.key.hasPrefix("baton-dlq-") }
        out.append(WireHeader(reasonHeader, error.reason.rawValue))
        out.append(WireHeader(messageHeader, String(error.message.prefix(1000))))
        if let pointer = error.pointer { out.append(WireHeader(pointerHeader, pointer)) }
        out.append(WireHeader(topicHeader, topic))
        out.append(WireHeader(partitionHeader, String(partition)))
        out.append(WireHeader(offsetHeader, String(offset)))
        out.append(WireHeader(timeHeader, time.iso8601))
        var message = WireMessage(topic: topics.deadLetters, key: key, value: value, headers: out)
        if message.recordBytes > maxRecordBytes {
            message.headers.append(WireHeader(originalSizeHeader, String(value.count)))
            // librdkafka's check adds the record's framing (varints, attributes: tens of bytes);
            // 64 bytes of slack cover it.
            let room = max(0, maxRecordBytes - (message.recordBytes - value.count) - 64)
            message.value = Array(value.prefix(room))
        }
        return message
    }
}
