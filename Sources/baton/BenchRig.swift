import BatonKafka
import BatonMessages
import BatonServer
import Foundation
import Logging

/// What a bench phase with `baton serve` children runs on: an embedded broker of its own, the
/// echo worker counting the task requests it receives, a trigger producer, and the children.
struct BenchRig {
    let broker: EmbeddedBroker
    let tasks: BenchCommand.TaskCounter
    let worker: ExampleWorker
    let workerTask: Task<Void, any Error>
    let producer: KafkaProducer
    let children: [ServeChild]

    /// Returns once every child is ready and the worker has joined its group.
    static func start(
        _ bench: BenchCommand, processes: Int, properties: [String: String], storeURL: String, folder: URL, logger: Logger
    ) async throws -> BenchRig {
        let broker = try EmbeddedBroker(brokerCount: 1, stablePort: nil, logger: logger)
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: properties)
        let topics = TopicNames()
        let tasks = BenchCommand.TaskCounter(finalStep: "s\(bench.steps)")
        let worker: ExampleWorker
        do {
            try await EmbeddedTopicProvisioner(broker: broker, partitions: bench.partitions).ensure(topics.fixed + [topics.tasks("bench.echo")])
            worker = try ExampleWorker(kafka: kafka, topics: topics, groupId: "bench-worker", behaviour: { task in
                tasks.received(task)
                return ExampleWorker.echoBehaviour(task)
            }, logger: logger)
        } catch {
            broker.shutdown()
            throw error
        }
        let workerTask = Task { try await worker.run() }
        var children: [ServeChild] = []
        var producer: KafkaProducer?
        do {
            producer = try KafkaProducer(configuration: kafka, logger: logger)
            for index in 0..<processes {
                children.append(try ServeChild(
                    index: index, count: processes, bootstrap: broker.bootstrapServers, store: storeURL, properties: kafka.properties, folder: folder,
                    extraArguments: ["--instance-cache-mb", String(bench.instanceCacheMiB)]))
            }
            for child in children { try await child.waitUntilReady() }
            while !worker.isReady { try await Task.sleep(for: .milliseconds(20)) }
        } catch {
            for child in children { child.stop() }
            workerTask.cancel()
            _ = await workerTask.result
            producer?.shutdown()
            broker.shutdown()
            throw error
        }
        return BenchRig(broker: broker, tasks: tasks, worker: worker, workerTask: workerTask, producer: producer!, children: children)
    }

    /// Waits until every child knows the definitions, then lets every consumer settle into its
    /// partitions before a window opens (group joins take seconds).
    func waitForDefinitions(_ ids: [String], settle: Duration = .seconds(2)) async throws {
        for child in children {
            for id in ids { try await child.waitForDefinition(id) }
        }
        try await Task.sleep(for: settle)
    }

    /// The serve processes first (SIGTERM: they leave their group and give their shards back),
    /// then the worker, then the broker they were connected to.
    func stop() async {
        for child in children { child.stop() }
        workerTask.cancel()
        _ = await workerTask.result
        producer.shutdown()
        broker.shutdown()
    }
}
