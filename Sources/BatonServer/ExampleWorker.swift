import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import Logging
import ServiceLifecycle

/// A small task executor for the examples, the benchmark and the tests: it consumes every task
/// topic (`^<prefix>tasks\..*`), answers each request with `behaviour`, and commits its offsets
/// after the results are delivered. Real workers do the same in any language (see the README).
public final class ExampleWorker: Service {
    public typealias Behaviour = @Sendable (TaskDispatch) -> TaskResult?

    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let topics: TopicNames
    let behaviour: Behaviour
    let logger: Logger

    public init(kafka: KafkaConfiguration, topics: TopicNames, groupId: String = "baton-example-worker", maxBatchSize: Int = 500, behaviour: @escaping Behaviour = ExampleWorker.exampleBehaviour, logger: Logger) throws {
        let pattern = "^" + topics.prefix.replacingOccurrences(of: ".", with: "\\.") + "tasks\\..*"
        // A pattern subscription sees new topics only on a metadata refresh (default: every 5 min);
        // task topics appear whenever a definition with a new task type is registered.
        var kafka = kafka
        if kafka.properties["topic.metadata.refresh.interval.ms"] == nil { kafka.properties["topic.metadata.refresh.interval.ms"] = "1000" }
        self.consumer = try KafkaConsumer(configuration: kafka, options: .init(groupId: groupId, topics: [pattern], maxBatchSize: maxBatchSize), logger: logger)
        self.producer = try KafkaProducer(configuration: kafka, logger: logger)
        self.topics = topics
        self.behaviour = behaviour
        self.logger = logger
    }

    /// True once the worker's consumer has partitions (the benchmark waits for it).
    public var isReady: Bool { consumer.hasAssignment }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await batch in consumer.batches {
                var replies: [KafkaRecord] = []
                for message in batch {
                    guard let task = try? TaskRequestCodec.decode(message.value) else {
                        logger.warning("example worker skipped a message that is not a task request", metadata: ["topic": "\(message.topic)", "offset": "\(message.offset)"])
                        continue
                    }
                    guard let result = behaviour(task) else { continue }
                    let wire = TaskResultCodec.encode(result, topics: topics)
                    replies.append(KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value))
                }
                // Offsets are committed only once every result is delivered (or cannot ever be):
                // a result dropped on a passing error would leave its workflow waiting for a
                // timeout that may not exist. Stopping midway commits nothing: the batch comes again.
                guard await deliver(replies) else { break }
                // Queued behind earlier commits, not awaited: the next batch need not wait for a
                // broker round trip. A commit that fails only means a redelivery, which Baton ignores.
                consumer.enqueueCommit(batch) { _ in }
            }
        } onGracefulShutdown: {
            self.consumer.beginClose()
        }
        // Also when cancelled rather than shut down: leave the group now, while the broker is
        // likely still there, not whenever the last reference goes.
        await withDedicatedThread("baton-worker-end") { [consumer, producer] in
            consumer.close()
            producer.shutdown()
        }
    }

    /// Sends `records` until each is delivered; one that can never be delivered is logged as an
    /// error and skipped. False when the worker is stopping before all were.
    private func deliver(_ records: [KafkaRecord]) async -> Bool {
        let undelivered = await producer.sendUntilSettled(records) { !Task.isCancelled && !Task.isShuttingDownGracefully }
        var stopped = false
        for (record, error) in undelivered {
            if error.isRetriable {
                stopped = true
            } else {
                logger.error("example worker cannot deliver a result and skips it", metadata: ["error": "\(error)", "topic": "\(record.topic)"])
            }
        }
        return !stopped
    }

    /// Answers the example definitions' task types plausibly and echoes anything else.
    public static let exampleBehaviour: Behaviour = { task in
        let output: JSONValue
        switch task.taskType {
        case "greeting.compose":
            let name = task.input["name"]?.stringValue ?? "world"
            output = ["message": .string("Hello, \(name)!")]
        case "inventory.reserve":
            let quantity = task.input["quantity"]?.doubleValue ?? 1
            output = ["available": .bool(quantity <= 10), "reservationId": .string("res-\(task.taskId)")]
        case "payment.charge":
            output = ["receipt": .string("rcpt-\(task.taskId)"), "amount": task.input["amount"] ?? .null]
        default:
            output = ["echo": task.input]
        }
        return TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: output, workerId: "example-worker")
    }

    /// Completes every task with its own input as output: the benchmark's worker.
    public static let echoBehaviour: Behaviour = { task in
        TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: task.input, workerId: "echo")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
