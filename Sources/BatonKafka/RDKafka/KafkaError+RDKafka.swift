import CRDKafka

extension KafkaError {
    /// From a bare `rd_kafka_resp_err_t`, with librdkafka's text for it unless `message` is given.
    init(
        _ code: rd_kafka_resp_err_t,
        message: String? = nil,
        context: String,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.init(
            code: Code(code),
            message: message ?? String(cString: rd_kafka_err2str(code)),
            isFatal: code == RD_KAFKA_RESP_ERR__FATAL,
            context: context,
            file: file,
            line: line
        )
    }

    /// Copies every field out of an `rd_kafka_error_t` and frees it, so no caller can forget to.
    static func consuming(
        _ error: OpaquePointer,
        context: String,
        file: String = #fileID,
        line: Int = #line
    ) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        return KafkaError(
            code: Code(rd_kafka_error_code(error)),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            context: context,
            file: file,
            line: line
        )
    }

    /// The underlying error behind `_FATAL` (librdkafka keeps it on the client handle).
    static func fatal(client: OpaquePointer, context: String, file: String = #fileID, line: Int = #line) -> KafkaError {
        let (underlying, text) = withErrorText { rd_kafka_fatal_error(client, $0, $1) }
        return KafkaError(
            code: Code(underlying == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__FATAL : underlying),
            message: "fatal client error, recreate the client: \(text)",
            isRetriable: false,
            isFatal: true,
            context: context,
            file: file,
            line: line
        )
    }
}
