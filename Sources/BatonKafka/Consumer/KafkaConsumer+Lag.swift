import CRDKafka

/// How far one assigned partition's consumer position is behind its end.
public struct PartitionLag: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// High watermark minus the position: messages not yet polled.
    public var lag: Int64

    public init(topic: String, partition: Int32, lag: Int64) {
        self.topic = topic
        self.partition = partition
        self.lag = lag
    }
}

extension KafkaConsumer {
    /// The lag of every partition assigned to this member that it has fetched from since its
    /// assignment (before the first fetch librdkafka knows neither end nor position).
    ///
    /// Reads only what librdkafka keeps in memory (assignment, positions, the watermarks of its
    /// last fetch responses): no network round trip, so a metrics scrape may call it from any thread.
    public func lag() -> [PartitionLag] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.pointer, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard list.pointee.cnt > 0, rd_kafka_position(client.pointer, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [] }
        var lags: [PartitionLag] = []
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            let topic = String(cString: element.topic)
            var low: Int64 = -1
            var high: Int64 = -1
            guard element.offset >= 0,
                rd_kafka_get_watermark_offsets(client.pointer, topic, element.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                high >= 0
            else { continue }
            lags.append(PartitionLag(topic: topic, partition: element.partition, lag: max(0, high - element.offset)))
        }
        return lags.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }
}
