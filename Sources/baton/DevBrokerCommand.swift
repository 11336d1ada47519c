import ArgumentParser
import BatonKafka
import BatonMessages
import Foundation
import UnixSignals

struct DevBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Run the embedded Kafka-protocol development broker on its own.",
        discussion: """
            For development and tests only: data lives in memory, bounded per partition. Run it in \
            one process and `baton serve --bootstrap-servers …` in another to restart Baton while the \
            broker keeps its data. For production use `baton serve` against a real Kafka cluster.
            """
    )

    @Option(help: "Stable bootstrap port forwarded to the broker (0: none).")
    var port: Int = 9092

    @Option(help: "Number of brokers in the mock cluster.")
    var brokers: Int = 1

    @Option(name: .customLong("topic-prefix"), help: "Create Baton's topics with this prefix.")
    var topicPrefix: String = "baton."

    @Option(help: "Partitions of the topics created.")
    var partitions: Int = 8

    @Option(name: .customLong("task-type"), help: "Also create the task topic of this task type (repeatable).")
    var taskTypes: [String] = []

    @Flag(name: .customLong("exit-on-stdin-close"), help: "Exit when standard input closes (for parents that may die without cleaning up).")
    var exitOnStdinClose = false

    @Option(name: .customLong("bootstrap-file"), help: "Write the bootstrap address to this file once ready (for scripts).")
    var bootstrapFile: String?

    func run() async throws {
        let logger = makeLogger("baton.dev-broker")
        if exitOnStdinClose { StdinWatchdog.start() }
        let broker = try EmbeddedBroker(brokerCount: brokers, stablePort: port == 0 ? nil : port, logger: logger)
        let names = TopicNames(prefix: topicPrefix)
        for topic in names.fixed + taskTypes.map(names.tasks) { try broker.createTopic(topic, partitions: partitions) }
        let address = broker.stableBootstrapServers ?? broker.bootstrapServers
        print("baton dev-broker ready")
        print("  bootstrap: \(address)")
        if broker.stableBootstrapServers != nil { print("  brokers:   \(broker.bootstrapServers)") }
        print("  topics:    \(TopicNames(prefix: topicPrefix).fixed.joined(separator: ", "))")
        print("  (in-memory, for development and tests; Ctrl-C stops it)")
        if let bootstrapFile {
            try Data(broker.bootstrapServers.utf8).write(to: URL(fileURLWithPath: bootstrapFile), options: .atomic)
        }
        await waitForTermination()
        broker.shutdown()
    }
}

/// Suspends until SIGINT or SIGTERM.
func waitForTermination() async {
    for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
}
