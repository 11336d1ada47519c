import ArgumentParser
import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonServer
import Foundation
import Logging
import ServiceLifecycle

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run Baton with an embedded broker, a SQLite file and the REST API on 127.0.0.1.",
        discussion: "For development: the embedded broker keeps data in memory. Use `baton serve` with a real Kafka cluster."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("api-port"), help: "REST API port.")
    var apiPort: Int = 8080

    @Option(name: .customLong("broker-port"), help: "Stable bootstrap port of the embedded broker (0: none).")
    var brokerPort: Int = 9092

    @Option(help: "Partitions of the topics created.")
    var partitions: Int = 8

    @Option(help: "Register every *.json / *.yaml definition in this folder and run each once.")
    var examples: String?

    @Flag(name: .customLong("example-worker"), help: "Run the example task worker in-process.")
    var exampleWorker = false

    func run() async throws {
        let logger = makeLogger("baton")
        let broker = try EmbeddedBroker(brokerCount: 1, stablePort: brokerPort == 0 ? nil : brokerPort, logger: logger)
        defer { broker.shutdown() }
        var configuration = BatonConfiguration(
            kafka: .init(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties, partitions: partitions),
            store: try storeOptions.configuration(),
            api: .init(host: "127.0.0.1", port: apiPort)
        )
        configuration.kafka.createTopics = true
        // `make run` stays one command: an admin key is made at each start and printed below.
        let devKey = try await APIKeyCommands(location: try StoreLocation(storeOptions.store), logger: logger).issueDevelopmentKey()
        let topics = configuration.kafka.topics
        let provisioner = EmbeddedTopicProvisioner(broker: broker, partitions: partitions)
        // Before any client subscribes: the mock would auto-create them with its default partitions.
        try await provisioner.ensure(topics.fixed)
        let printer = try LifecyclePrinter(kafka: configuration.kafka.client, topics: topics, logger: logger)
        let app = try await buildApplication(
            configuration, provisioner: provisioner, extraServices: [printer], logLevels: processLogLevels, logger: logger
        )
        let bootstrap = broker.stableBootstrapServers ?? broker.bootstrapServers
        var started: [String] = []
        if let examples { started = try await registerAndStartExamples(in: examples, app: app, broker: bootstrap, logger: logger) }
        // Created once the examples' task topics exist, so its pattern subscription matches them at
        // its first group join instead of at a metadata refresh and a second join. It reads from
        // the earliest offset, so the requests of the instances just started wait for it.
        let worker: [any Service] = exampleWorker ? [try ExampleWorker(kafka: configuration.kafka.client, topics: topics, logger: logger)] : []
        printBanner(bootstrap: bootstrap, started: started, token: devKey.token)
        try await app.run(extraServices: worker)
    }

    private func registerAndStartExamples(in folder: String, app: BatonApplication, broker: String, logger: Logger) async throws -> [String] {
        let files = (try FileManager.default.contentsOfDirectory(atPath: folder))
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json")) && !$0.contains(".example.") && !$0.contains("schema") }
            .sorted()
        var started: [String] = []
        // Every example is registered before any starts: one may run another as a subworkflow.
        var toStart: [String] = []
        for file in files {
            let path = folder + "/" + file
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { continue }
            guard let compiled = try? DefinitionCompiler.compile(text: text) else { continue }
            // Register only when the document changed, so restarts do not pile up versions.
            let current = try? await app.service.definition(id: compiled.id, version: nil)
            if current?.document != compiled.document {
                let record = try await app.service.registerDefinition(text: text)
                logger.info("registered example", metadata: ["workflow": "\(record.id)", "version": "\(record.version)"])
            }
            if compiled.triggers.isEmpty { toStart.append(compiled.id) }
        }
        for id in toStart {
            let instance = try await app.orchestrator.startInstance(workflowId: id, version: nil, input: ["name": "Baton"], idempotencyKey: nil)
            started.append("\(id) → instance \(instance.instance.id)")
        }
        // Publish the example trigger event (with a fresh id, so a restart on the same store runs it again).
        let eventPath = folder + "/trigger-event.example.json"
        if let data = FileManager.default.contents(atPath: eventPath), case .object(var event)? = try? JSONValue.parse(Array(data)) {
            let id = "example-\(Int(Date().timeIntervalSince1970 * 1000))"
            event["id"] = .string(id)
            let producer = try KafkaProducer(configuration: app.configuration.kafka.client, logger: logger)
            defer { producer.shutdown() }
            _ = try await producer.send(KafkaRecord(topic: app.configuration.kafka.topics.triggers, key: Array(id.utf8), value: JSONValue.object(event).serializedBytes()))
            started.append("\(event["type"]?.stringValue ?? "event") trigger → \(id)")
        }
        return started
    }

    private func printBanner(bootstrap: String, started: [String], token: String) {
        print("""

            Baton dev is running (embedded broker: development only, data in memory).
              Kafka bootstrap:  \(bootstrap)
              REST API:         http://127.0.0.1:\(apiPort)
              Store:            \(storeOptions.store)
              Admin API key:    \(token)
                                (new at each start; the previous dev key is revoked)
            """)
        for line in started { print("  started example:  \(line)") }
        print("""

            Try:
              export BATON_TOKEN=\(token)
              curl -s -X POST http://127.0.0.1:\(apiPort)/v1/workflows/hello/instances -H "Authorization: Bearer $BATON_TOKEN" -H 'Content-Type: application/json' -d '{"name":"Ada"}'
              baton list          (the CLI reads BATON_TOKEN)
              echo '{"specversion":"1.0","id":"order-1","source":"shop","type":"com.example.order.created","data":{"orderId":"o-1","sku":"book","quantity":2,"amount":42}}' | kcat -P -b \(bootstrap) -t baton.triggers
              kcat -C -b \(bootstrap) -t baton.lifecycle -o beginning -e
            Lifecycle events are printed below as they happen. Ctrl-C stops Baton.

            """)
        // Out now, also when standard output is a pipe or a file (`make run | tee`): the key is in it.
        fflush(nil)
    }
}

/// Prints workflow lifecycle events as they happen, so `make run` shows workflows completing.
final class LifecyclePrinter: Service {
    let consumer: KafkaConsumer

    init(kafka: KafkaConfiguration, topics: TopicNames, logger: Logger) throws {
        consumer = try KafkaConsumer(
            configuration: kafka, options: .init(groupId: "baton-dev-printer-\(getpid())", topics: [topics.lifecycle], autoOffsetReset: "latest"),
            logger: logger
        )
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await batch in consumer.batches {
                for message in batch {
                    guard let event = try? JSONValue.parse(message.value), let type = event["type"]?.stringValue, type.hasPrefix("workflow.") else { continue }
                    let data = event["data"] ?? .null
                    var line = "  [\(type)] \(data["workflowId"]?.stringValue ?? "?") \(event["subject"]?.stringValue ?? "")"
                    if let output = data["output"], type == "workflow.completed" { line += " output=\(output.serialized())" }
                    if let error = data["error"] { line += " error=\(error["code"]?.stringValue ?? "?"): \(error["message"]?.stringValue ?? "")" }
                    print(line)
                }
            }
        } onGracefulShutdown: {
            self.consumer.beginClose()
        }
        await withDedicatedThread("baton-printer-end") { [consumer] in consumer.close() }
    }
}
