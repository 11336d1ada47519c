import CRDKafka

/// The one error type of BatonKafka.
///
/// Callers decide what to do from fields rather than catch clauses: ``isRetriable`` says whether
/// trying the same operation again can succeed, ``isFatal`` says the client instance is unusable
/// and must be recreated, and ``context`` says which operation failed.
public struct KafkaError: Error, Sendable, CustomStringConvertible, Hashable {
    /// A librdkafka error code (`rd_kafka_resp_err_t`): negative values are client-side
    /// conditions, positive ones come from the Kafka protocol.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public var rawValue: Int32
        /// librdkafka's symbolic name (`rd_kafka_err2name`), e.g. `_TIMED_OUT` or `NOT_LEADER_FOR_PARTITION`.
        public var name: String

        public init(rawValue: Int32) {
            self.rawValue = rawValue
            self.name = String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue)))
        }

        init(_ code: rd_kafka_resp_err_t) {
            self.init(rawValue: code.rawValue)
        }

        public var description: String { "\(name) (\(rawValue))" }

        /// A bad configuration value, property name or argument.
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        /// A blocking call (flush, admin request, commit) ran out of time.
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        /// librdkafka's local queue is full; the producer retries these itself.
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        /// The message was not delivered within `message.timeout.ms`.
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        /// A connection to a broker failed.
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        /// Every broker is unreachable.
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        /// The client was shut down or closed before the operation completed.
        public static let shutDown = Code(RD_KAFKA_RESP_ERR__DESTROY)
        /// The client hit a fatal error (e.g. an idempotence guarantee was broken) and must be recreated.
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        /// Queued or in-flight messages were purged at shutdown; they may or may not have been written.
        public static let purged = Code(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
        /// The topic or partition does not exist (yet).
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        /// CreateTopics found the topic already there.
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        /// The broker or client does not support the operation.
        public static let unsupportedFeature = Code(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE)
        /// A system call (socket, bind) failed; the message carries `errno`'s text.
        public static let systemError = Code(RD_KAFKA_RESP_ERR__FAIL)
        /// The record was reported delivered without an offset: librdkafka inferred that it was
        /// written rather than being told so. See ``KafkaProducer`` for when this happens.
        public static let deliveryUnconfirmed = Code(RD_KAFKA_RESP_ERR__INCONSISTENT)
        /// The record is larger than the producer's `message.max.bytes` (or the broker's limit).
        public static let messageTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    }

    public var code: Code
    /// What went wrong, in librdkafka's words or ours, with the fix when one is known.
    public var message: String
    public var isRetriable: Bool
    public var isFatal: Bool
    /// Which operation failed, e.g. `"producing to baton.tasks.x"`, `"creating consumer for group g"`.
    public var context: String
    /// Where in BatonKafka the error was raised.
    public var file: String
    public var line: Int

    public init(
        code: Code,
        message: String,
        isRetriable: Bool? = nil,
        isFatal: Bool = false,
        context: String,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable ?? code.isTransient
        self.isFatal = isFatal
        self.context = context
        self.file = file
        self.line = line
    }

    public var description: String {
        var flags = ""
        if isFatal { flags += ", fatal" } else if isRetriable { flags += ", retriable" }
        return "KafkaError.\(code.name)\(flags) while \(context): \(message) [\(file):\(line)]"
    }
}

extension KafkaError {
    /// The record itself is what the client or broker refuses (larger than `message.max.bytes` or
    /// the broker's limit, or invalid): sending the same record again fails the same way, so a
    /// caller that must not loop sets it aside instead of retrying it.
    public var refusesRecord: Bool {
        switch rd_kafka_resp_err_t(rawValue: code.rawValue) {
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE,
            RD_KAFKA_RESP_ERR_INVALID_RECORD:
            return true
        default:
            return false
        }
    }
}

extension KafkaError.Code {
    /// Whether an error with this code usually goes away by itself (leader moves, timeouts,
    /// connection drops), following the Kafka protocol's retriable error list and librdkafka's
    /// transient local errors. ``KafkaError/isRetriable`` uses librdkafka's own verdict instead
    /// when an `rd_kafka_error_t` provides one.
    var isTransient: Bool {
        switch rd_kafka_resp_err_t(rawValue: rawValue) {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,
            RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__NODE_UPDATE,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
            RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND, RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
            return true
        default:
            return false
        }
    }
}
