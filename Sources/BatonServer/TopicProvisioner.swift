import BatonKafka
import Logging

/// Makes sure topics exist before Baton produces to or consumes from them.
public protocol TopicProvisioner: Sendable {
    func ensure(_ topics: [String]) async throws
}

/// Creates topics on a real cluster with the admin API, or, when Baton may not create topics,
/// checks them and names every missing one.
public struct ClusterTopicProvisioner: TopicProvisioner {
    public var kafka: KafkaConfiguration
    public var create: Bool
    public var partitions: Int
    public var replicationFactor: Int
    public var logger: Logger

    public init(kafka: KafkaConfiguration, create: Bool, partitions: Int, replicationFactor: Int, logger: Logger) {
        self.kafka = kafka
        self.create = create
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.logger = logger
    }

    public func ensure(_ topics: [String]) async throws {
        guard !topics.isEmpty else { return }
        let existing = try KafkaAdmin.listTopics(configuration: kafka, timeout: .seconds(30))
        let missing = topics.filter { existing[$0] == nil }
        guard !missing.isEmpty else { return }
        guard create else { throw ProvisioningError(missing: missing) }
        let specs = missing.map { TopicSpec(name: $0, partitions: partitions, replicationFactor: replicationFactor) }
        do {
            let created = try KafkaAdmin.createTopics(configuration: kafka, topics: specs, timeout: .seconds(10))
            if !created.isEmpty { logger.info("created topics", metadata: ["topics": "\(created.joined(separator: ", "))"]) }
        } catch {
            guard error.code == .timedOut else { throw error }
            // Some brokers never answer CreateTopics (librdkafka's mock cluster, i.e. a separate
            // `baton dev-broker` process): carry on and let the broker auto-create on first use.
            logger.warning(
                "the broker did not answer CreateTopics; relying on its topic auto-creation",
                metadata: ["topics": "\(missing.joined(separator: ", "))", "error": "\(error)"]
            )
        }
    }
}

/// Topics are missing and Baton was told not to create them.
public struct ProvisioningError: Error, CustomStringConvertible {
    public var missing: [String]
    public var description: String {
        "missing Kafka topics: \(missing.joined(separator: ", ")). Create them, or allow Baton to (--create-topics / BATON_CREATE_TOPICS=true)."
    }
}

/// Creates topics on the embedded broker (the mock cluster does not serve CreateTopics).
public struct EmbeddedTopicProvisioner: TopicProvisioner {
    public var broker: EmbeddedBroker
    public var partitions: Int

    public init(broker: EmbeddedBroker, partitions: Int) {
        self.broker = broker
        self.partitions = partitions
    }

    public func ensure(_ topics: [String]) async throws {
        for topic in topics {
            do {
                try broker.createTopic(topic, partitions: partitions)
            } catch {
                // Created earlier, or auto-created by a client's metadata request: either way it exists.
                guard error.code == .topicAlreadyExists else { throw error }
            }
        }
    }
}
