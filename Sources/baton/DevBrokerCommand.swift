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

    @Flag(name: .customLong("fault-commands"), help: "Read fault commands from standard input, one per line (see `EmbeddedBroker.apply(faultCommand:)`: unreachable, reachable, rtt, error, clear, leader, coordinator, down, up); each is answered with 'ok: …' or 'error: …' on standard output.")
    var faultCommands = false

    @Option(name: .customLong("bootstrap-file"), help: "Write the bootstrap address to this file once ready (for scripts).")
    var bootstrapFile: String?

    func run() async throws {
        let logger = makeLogger("baton.dev-broker")
        if exitOnStdinClose && !faultCommands { StdinWatchdog.start() }
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
        if faultCommands { FaultCommandReader.start(broker: broker, exitAtEnd: exitOnStdinClose) }
        await waitForTermination()
        broker.shutdown()
    }
}

/// Reads fault commands from standard input on its own thread and answers each on stdout.
enum FaultCommandReader {
    static func start(broker: EmbeddedBroker, exitAtEnd: Bool) {
        Thread.detachNewThread {
            while let line = readLine() {
                let command = line.trimmingCharacters(in: .whitespaces)
                guard !command.isEmpty, !command.hasPrefix("#") else { continue }
                let reply: String
                do {
                    reply = "ok: " + (try broker.apply(faultCommand: command))
                } catch {
                    reply = "error: \(error)"
                }
                // Unbuffered, so a test reading the pipe sees each answer at once.
                FileHandle.standardOutput.write(Data((reply + "\n").utf8))
            }
            if exitAtEnd {
                FileHandle.standardError.write(Data("baton: standard input closed; exiting (--exit-on-stdin-close)\n".utf8))
                exit(0)
            }
        }
    }
}

/// Suspends until SIGINT or SIGTERM.
func waitForTermination() async {
    for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
}
