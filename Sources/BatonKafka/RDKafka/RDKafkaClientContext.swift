import CRDKafka
import Logging
import Synchronization

/// What librdkafka's C callbacks of one client need: they receive it back as the handle's
/// opaque pointer (`rd_kafka_opaque`), because a C function pointer cannot capture Swift state.
///
/// The ``RDKafkaClient`` that owns the handle keeps this object alive until `rd_kafka_destroy`
/// has returned, so callbacks never see a dangling pointer.
final class RDKafkaClientContext: Sendable {
    let logger: Logger
    /// Partitions currently assigned to a consumer by its group (written by the rebalance callback).
    let assignedPartitionCount = Atomic<Int>(0)
    /// Topics a consumer keeps paused (see `KafkaConsumer.pause(topics:)`).
    let paused = PausedTopics()

    init(logger: Logger) {
        self.logger = logger
    }

    /// The context of a handle created through ``RDKafkaConf/makeClient(type:context:operation:)``.
    static func of(_ client: OpaquePointer) -> RDKafkaClientContext? {
        rd_kafka_opaque(client).map { Unmanaged<RDKafkaClientContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Routes librdkafka's syslog-levelled log lines into swift-log, so operators see broker
    /// trouble in Baton's own logs instead of on stderr.
    func log(level: Int32, facility: String, message: String) {
        var mapped: Logger.Level
        switch level {
        case ...2: mapped = .critical
        case 3: mapped = .error
        case 4: mapped = .warning
        case 5: mapped = .notice
        case 6: mapped = .info
        default: mapped = .debug
        }
        // Baton passes one configuration to producers, consumers and admin clients alike, so
        // "consumer property ... ignored by this producer" is expected, not worth a warning.
        if facility == "CONFWARN", message.contains("will be ignored by this") {
            mapped = .debug
        }
        logger.log(level: mapped, "\(message)", metadata: ["librdkafka.facility": "\(facility)"])
    }
}
