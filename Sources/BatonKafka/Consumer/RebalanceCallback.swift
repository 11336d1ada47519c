import CRDKafka

/// Applies group assignments for a consumer and records how many partitions it owns.
///
/// Baton registers its own rebalance callback only to learn about assignments (for /readyz);
/// it applies them exactly as librdkafka would, for both the eager and the cooperative protocol,
/// so `partition.assignment.strategy` can be changed by configuration alone. Runs on the poll
/// thread, inside `rd_kafka_consumer_poll` or `rd_kafka_consumer_close`.
enum RebalanceCallback {
    static func install(on conf: RDKafkaConf) {
        rd_kafka_conf_set_rebalance_cb(conf.rawValue) { client, event, partitions, _ in
            guard let client else { return }
            RebalanceCallback.handle(client: client, event: event, partitions: partitions)
        }
    }

    private static func handle(
        client: OpaquePointer,
        event: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let context = RDKafkaClientContext.of(client)
        let cooperative = rd_kafka_rebalance_protocol(client).map { String(cString: $0) } == "COOPERATIVE"
        let changed = Int(partitions?.pointee.cnt ?? 0)
        let before = context?.assignedPartitionCount.load(ordering: .acquiring) ?? 0
        var count = 0
        var failure: KafkaError?
        switch event {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_assign(client, partitions) {
                    failure = .consuming(error, context: "applying a partition assignment")
                }
                count = before + changed
            } else {
                let code = rd_kafka_assign(client, partitions)
                if code != RD_KAFKA_RESP_ERR_NO_ERROR { failure = KafkaError(code, context: "applying a partition assignment") }
                count = changed
            }
            if failure == nil, let partitions, let topics = context?.paused.topics {
                KafkaConsumer.pauseAssigned(partitions, topics: topics, client: client)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_unassign(client, partitions) {
                    failure = .consuming(error, context: "revoking a partition assignment")
                }
                count = max(0, before - changed)
            } else {
                _ = rd_kafka_assign(client, nil)
            }
        default:
            failure = KafkaError(event, context: "rebalancing")
            _ = rd_kafka_assign(client, nil)
        }
        if let failure {
            context?.logger.error("Kafka rebalance failed", metadata: ["error": "\(failure)"])
            if event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS { count = cooperative ? before : 0 }
        }
        // Counted from the callback's own lists, not asked of librdkafka: `rd_kafka_assignment`
        // called here while `rd_kafka_consumer_close` revokes with the coordinator gone blocked
        // forever (seen in a thread dump of the test process, 2.0.2).
        context?.assignedPartitionCount.store(count, ordering: .releasing)
        context?.logger.debug(
            "Kafka group assignment changed",
            metadata: ["event": "\(KafkaError.Code(event).name)", "partitions": "\(count)"]
        )
    }
}
