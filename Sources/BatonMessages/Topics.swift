/// Names of Baton's topics. All share one prefix (default `baton.`) so several Baton deployments
/// can share a cluster, and ACLs can be granted by prefix.
public struct TopicNames: Sendable, Hashable {
    public var prefix: String

    public init(prefix: String = "baton.") { self.prefix = prefix }

    /// In: CloudEvents that start workflows.
    public var triggers: String { prefix + "triggers" }
    /// In: results reported by task executors.
    public var taskResults: String { prefix + "task-results" }
    /// Out: lifecycle CloudEvents for analytics.
    public var lifecycle: String { prefix + "lifecycle" }
    /// Out: inputs that could not be processed, with the reason in headers.
    public var deadLetters: String { prefix + "dlq" }
    /// Out: tasks Baton no longer waits for, so executors can stop them.
    public var taskCancellations: String { prefix + "task-cancellations" }
    /// Out: task requests for executors of one task type.
    public func tasks(_ taskType: String) -> String { prefix + "tasks." + taskType }

    /// The topics Baton consumes.
    public var inputs: [String] { [triggers, taskResults] }
    /// The fixed topics (task topics depend on the definitions).
    public var fixed: [String] { [triggers, taskResults, lifecycle, deadLetters, taskCancellations] }
}

/// A Kafka header as the message codecs see it (no dependency on the Kafka client).
public struct WireHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]

    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = Array(value.utf8)
    }

    public var stringValue: String? { String(validating: value, as: UTF8.self) }
}

/// An encoded message ready for the outbox.
public struct WireMessage: Sendable, Hashable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [WireHeader]

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [WireHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}
