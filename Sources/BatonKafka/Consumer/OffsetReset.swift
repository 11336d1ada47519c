import CRDKafka
import Logging
import Synchronization

/// Where a partition resumes when its fetch position is not on the log, and what was lost.
///
/// With `auto.offset.reset=error` librdkafka stops fetching such a partition and hands the poll
/// thread one `_AUTO_OFFSET_RESET` message: its offset is the one the group wanted (negative when
/// the partition has no committed offset yet). Measured on librdkafka 2.0.2 and its mock broker:
/// - no committed offset: start at the beginning (or the end, for `latest`); nothing is lost;
/// - wanted below the log start (retention deleted it): offsets `wanted..<low` are lost; a marker
///   saying so goes into the batch, in order before anything read after it, and reading resumes at
///   `low`;
/// - wanted within the log (a spurious reset): resume there; beyond its end (a truncated or
///   recreated topic): resume at the end, logged as an error.
/// A stopped partition cannot be moved with `rd_kafka_seek` (it refuses with `_STATE`,
/// librdkafka #2961); it is restarted by assigning it again, which on the poll thread is ordered
/// with the rebalance callback. Runs on the poll thread only (it holds only constants).
final class OffsetReset: Sendable {
    private let startAtEnd: Bool
    private let groupId: String
    private let logger: Logger
    /// Partitions restarted so far (tests check that restarts settle).
    let restarts = Atomic(0)

    init(startAtEnd: Bool, groupId: String, logger: Logger) {
        self.startAtEnd = startAtEnd
        self.groupId = groupId
        self.logger = logger
    }

    /// Restarts the message's partition; returns the marker of the lost offsets, if any.
    func handle(_ message: UnsafeMutablePointer<rd_kafka_message_t>, client: OpaquePointer) -> KafkaMessage? {
        guard let topicHandle = message.pointee.rkt else { return nil }
        let topic = String(cString: rd_kafka_topic_name(topicHandle))
        let partition = message.pointee.partition
        let wanted = message.pointee.offset
        let metadata: Logger.Metadata = ["topic": "\(topic)", "partition": "\(partition)", "group": "\(groupId)"]
        guard wanted >= 0 else {
            restart(client: client, topic: topic, partition: partition, at: startAtEnd ? Int64(RD_KAFKA_OFFSET_END) : Int64(RD_KAFKA_OFFSET_BEGINNING))
            return nil
        }
        var low: Int64 = -1
        var high: Int64 = -1
        var code = RD_KAFKA_RESP_ERR_UNKNOWN
        for _ in 0..<3 where code != RD_KAFKA_RESP_ERR_NO_ERROR {
            code = rd_kafka_query_watermark_offsets(client, topic, partition, &low, &high, 5000)
        }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            logger.error(
                "Kafka: the group's offset is not on the log and the log's bounds could not be read; resuming at the oldest offset, so messages may have been skipped unrecorded",
                metadata: metadata.merging(["wanted": "\(wanted)", "error": "\(KafkaError(code, context: "reading watermarks"))"]) { $1 })
            restart(client: client, topic: topic, partition: partition, at: Int64(RD_KAFKA_OFFSET_BEGINNING))
            return nil
        }
        if wanted < low {
            logger.error(
                "Kafka: retention deleted messages this group had not read; they are recorded and skipped",
                metadata: metadata.merging(["lost": "\(wanted)...\(low - 1)", "count": "\(low - wanted)"]) { $1 })
            restart(client: client, topic: topic, partition: partition, at: low)
            return KafkaMessage(topic: topic, partition: partition, offset: low - 1, key: nil, value: [], lostOffsets: wanted..<low)
        }
        if wanted > high {
            logger.error(
                "Kafka: the group's offset is past the end of the log (truncated or recreated topic); resuming at its end",
                metadata: metadata.merging(["wanted": "\(wanted)", "end": "\(high)"]) { $1 })
            restart(client: client, topic: topic, partition: partition, at: high)
            return nil
        }
        restart(client: client, topic: topic, partition: partition, at: wanted)
        return nil
    }

    /// Decides where every assigned partition without a position or a decided start begins: its
    /// committed offset, else the policy's start (one round trip to the group coordinator).
    private func decideStarts(client: OpaquePointer, assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, known starts: inout [KafkaConsumer.TopicPartition: Int64]) {
        let undecided = rd_kafka_topic_partition_list_new(assignment.pointee.cnt)!
        defer { rd_kafka_topic_partition_list_destroy(undecided) }
        for index in 0..<Int(assignment.pointee.cnt) {
            let element = assignment.pointee.elems[index]
            let key = KafkaConsumer.TopicPartition(topic: String(cString: element.topic), partition: element.partition)
            if element.offset < 0, starts[key] == nil { rd_kafka_topic_partition_list_add(undecided, element.topic, element.partition) }
        }
        guard undecided.pointee.cnt > 0, rd_kafka_committed(client, undecided, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        let policy = startAtEnd ? Int64(RD_KAFKA_OFFSET_END) : Int64(RD_KAFKA_OFFSET_BEGINNING)
        for index in 0..<Int(undecided.pointee.cnt) {
            let element = undecided.pointee.elems[index]
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let key = KafkaConsumer.TopicPartition(topic: String(cString: element.topic), partition: element.partition)
            starts[key] = element.offset >= 0 ? element.offset : policy
        }
    }

    /// Assigns the partition again at `offset`: on its own under the cooperative protocol, with
    /// the whole assignment (the others at their positions) under the eager one.
    private func restart(client: OpaquePointer, topic: String, partition: Int32, at offset: Int64) {
        restarts.add(1, ordering: .relaxed)
        logger.debug("Kafka: restarting a partition", metadata: ["topic": "\(topic)", "partition": "\(partition)", "offset": "\(offset)"])
        let cooperative = rd_kafka_rebalance_protocol(client).map { String(cString: $0) } == "COOPERATIVE"
        let context = "restarting \(topic)/\(partition) at \(offset)"
        if cooperative {
            let list = rd_kafka_topic_partition_list_new(1)!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = offset
            if let error = rd_kafka_incremental_unassign(client, list) {
                logger.warning("Kafka: could not restart a partition", metadata: ["error": "\(KafkaError.consuming(error, context: context))"])
                return
            }
            if let error = rd_kafka_incremental_assign(client, list) {
                logger.warning("Kafka: could not restart a partition", metadata: ["error": "\(KafkaError.consuming(error, context: context))"])
            }
            return
        }
        var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let code = rd_kafka_assignment(client, &assignment)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let assignment else {
            logger.warning("Kafka: could not restart a partition", metadata: ["error": "\(KafkaError(code, context: context))"])
            return
        }
        defer { rd_kafka_topic_partition_list_destroy(assignment) }
        // Not in the assignment any more (a rebalance took it): whoever owns it now reads it.
        guard rd_kafka_topic_partition_list_find(assignment, topic, partition) != nil else { return }
        _ = rd_kafka_position(client, assignment)
        // Under the eager protocol every partition is assigned again. One that has delivered
        // nothing yet has no position; assigned without an offset, one without a committed offset
        // would fail in turn and restart all the others (measured: 6 to 10 restarts for 4 new
        // partitions). Each gets an explicit start instead.
        var starts = [KafkaConsumer.TopicPartition(topic: topic, partition: partition): offset]
        decideStarts(client: client, assignment: assignment, known: &starts)
        for index in 0..<Int(assignment.pointee.cnt) {
            let element = assignment.pointee.elems + index
            let key = KafkaConsumer.TopicPartition(topic: String(cString: element.pointee.topic), partition: element.pointee.partition)
            if key.topic == topic && key.partition == partition {
                element.pointee.offset = offset
            } else if element.pointee.offset < 0, let start = starts[key] {
                element.pointee.offset = start
            }
        }
        let assigned = rd_kafka_assign(client, assignment)
        if assigned != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("Kafka: could not restart a partition", metadata: ["error": "\(KafkaError(assigned, context: context))"])
        }
    }
}
