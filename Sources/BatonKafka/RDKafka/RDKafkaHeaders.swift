import CRDKafka

/// Conversions between ``KafkaHeader`` values and librdkafka's `rd_kafka_headers_t`.
enum RDKafkaHeaders {
    /// A new header list the caller owns until `rd_kafka_produceva` succeeds (then librdkafka does).
    static func make(_ headers: [KafkaHeader]) -> OpaquePointer {
        let list = rd_kafka_headers_new(headers.count)!
        for header in headers {
            if let value = header.value, !value.isEmpty {
                value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(list, header.key, -1, bytes.baseAddress, bytes.count)
                }
            } else if header.value != nil {
                // librdkafka reads a NULL value as Kafka's null header; an empty value needs a
                // non-null address so that empty and null stay distinct.
                withUnsafeBytes(of: UInt8(0)) { byte in
                    _ = rd_kafka_header_add(list, header.key, -1, byte.baseAddress, 0)
                }
            } else {
                _ = rd_kafka_header_add(list, header.key, -1, nil, 0)
            }
        }
        return list
    }

    /// Copies the headers of a consumed message (empty when it has none).
    static func read(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return headers
    }
}
