import CRDKafka
import Logging

/// Owns an `rd_kafka_conf_t` until `rd_kafka_new` takes it over (on success only, which is why
/// the pointer is released exactly then).
///
/// Not Sendable: it is built and consumed inside one initializer.
final class RDKafkaConf {
    private var pointer: OpaquePointer?
    private let operation: String

    /// `operation` names what the configuration is for, e.g. `"creating producer"`, and becomes
    /// the ``KafkaError/context`` of errors.
    init(operation: String) {
        pointer = rd_kafka_conf_new()
        self.operation = operation
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    /// Sets one property; the error names the property so a typo in a config file is obvious.
    func set(_ name: String, _ value: String, file: String = #fileID, line: Int = #line) throws(KafkaError) {
        let (result, text) = withErrorText { rd_kafka_conf_set(pointer, name, value, $0, $1) }
        switch result {
        case RD_KAFKA_CONF_OK:
            return
        case RD_KAFKA_CONF_UNKNOWN:
            throw KafkaError(
                code: .invalidArgument,
                message: "unknown librdkafka property \"\(name)\" (\(text)); see librdkafka's CONFIGURATION.md for valid names",
                isRetriable: false,
                context: operation, file: file, line: line
            )
        default:
            // librdkafka may echo the value; keep secrets out of logs.
            let detail = Self.isSecret(name) && !value.isEmpty ? text.replacing(value, with: "<redacted>") : text
            throw KafkaError(
                code: .invalidArgument,
                message: "invalid value for librdkafka property \"\(name)\": \(detail)",
                isRetriable: false,
                context: operation, file: file, line: line
            )
        }
    }

    /// Applies `properties` in name order, so the first bad one reported is deterministic.
    func set(_ properties: [String: String]) throws(KafkaError) {
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            try set(name, value)
        }
    }

    /// Client settings shared by every handle: address, id, then the pass-through properties.
    func apply(_ configuration: KafkaConfiguration, defaults: [(String, String)] = []) throws(KafkaError) {
        try set("bootstrap.servers", configuration.bootstrapServers)
        try set("client.id", configuration.clientId)
        for (name, value) in defaults { try set(name, value) }
        try set(configuration.properties)
    }

    var rawValue: OpaquePointer? { pointer }

    /// Creates the client; afterwards this object no longer owns the configuration.
    func makeClient(type: rd_kafka_type_t, context: RDKafkaClientContext) throws(KafkaError) -> RDKafkaClient {
        rd_kafka_conf_set_opaque(pointer, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(pointer) { client, level, facility, message in
            guard let client, let context = RDKafkaClientContext.of(client) else { return }
            context.log(
                level: level,
                facility: facility.map { String(cString: $0) } ?? "",
                message: message.map { String(cString: $0) } ?? ""
            )
        }
        let (handle, text) = withErrorText { rd_kafka_new(type, pointer, $0, $1) }
        guard let handle else {
            throw KafkaError(code: .invalidArgument, message: text, isRetriable: false, context: operation)
        }
        pointer = nil
        return RDKafkaClient(handle, context: context)
    }

    private static func isSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["password", "secret", "key", "token", "jaas"].contains { lowered.contains($0) }
    }
}
