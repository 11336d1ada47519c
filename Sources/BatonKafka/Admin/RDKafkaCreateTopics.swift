import CRDKafka

/// One `rd_kafka_CreateTopics` round trip, with every admin object freed on every path.
enum RDKafkaCreateTopics {
    static func run(
        client: RDKafkaClient,
        topics: [TopicSpec],
        timeout: Duration,
        operation: String
    ) throws(KafkaError) -> [String] {
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for spec in topics {
            let (topic, text) = withErrorText {
                rd_kafka_NewTopic_new(spec.name, Int32(clamping: spec.partitions), Int32(clamping: spec.replicationFactor), $0, $1)
            }
            guard let topic else {
                throw KafkaError(code: .invalidArgument, message: "topic \(spec.name): \(text)", isRetriable: false, context: operation)
            }
            newTopics.append(topic)
        }

        let options = rd_kafka_AdminOptions_new(client.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = withErrorText { rd_kafka_AdminOptions_set_request_timeout(options, timeout.milliseconds, $0, $1) }
        _ = withErrorText { rd_kafka_AdminOptions_set_operation_timeout(options, timeout.milliseconds, $0, $1) }
        let queue = rd_kafka_queue_new(client.pointer)
        defer { rd_kafka_queue_destroy(queue) }

        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(client.pointer, buffer.baseAddress, buffer.count, options, queue)
        }
        // The request timeout fires inside librdkafka; the extra second only guards against a lost event.
        guard let event = rd_kafka_queue_poll(queue, (timeout + .seconds(1)).milliseconds) else {
            throw KafkaError(code: .timedOut, message: "no CreateTopics response within \(timeout)", context: operation)
        }
        defer { rd_kafka_event_destroy(event) }
        let code = rd_kafka_event_error(event)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) }
            throw KafkaError(code, message: text, context: operation)
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(code: .invalidArgument, message: "unexpected admin event \(rd_kafka_event_type(event))", context: operation)
        }
        var count = 0
        let results = rd_kafka_CreateTopics_result_topics(result, &count)
        var created: [String] = []
        for index in 0..<count {
            guard let topicResult = results?[index] else { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let topicCode = rd_kafka_topic_result_error(topicResult)
            switch topicCode {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                created.append(name)
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
                continue
            default:
                let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                throw KafkaError(topicCode, message: text, context: "\(operation) (\(name))")
            }
        }
        return created
    }
}
