import ArgumentParser
import BatonKafka
import BatonMessages
import BatonServer
import Logging
import ServiceLifecycle
import UnixSignals

/// The example task worker as its own process, for any Kafka Baton talks to: the compose file's
/// `worker` service, or a terminal beside `baton dev` started without `--example-worker`.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run the example task worker: answers the example workflows' task requests until stopped.",
        discussion: "Subscribes to <prefix>tasks.* (new task topics are picked up within a second) and reads from the earliest offset."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .customLong("group-id"), help: "Consumer group of the worker.")
    var groupId: String = "baton-example-worker"

    func run() async throws {
        let logger = makeLogger("baton-worker")
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientId: "baton-example-worker")
        let worker = try ExampleWorker(kafka: kafka, topics: TopicNames(prefix: cluster.topicPrefix), groupId: groupId, logger: logger)
        logger.info("example worker running", metadata: ["kafka": "\(cluster.bootstrapServers)", "topics": "\(cluster.topicPrefix)tasks.*", "group": "\(groupId)"])
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: worker)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
    }
}
