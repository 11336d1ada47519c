import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonServer
import BatonStore
import Foundation
import Logging
import Testing

extension EndToEnd {
    /// Inputs as a careless world sends them: every result three times, out of order, results for
    /// attempts already retried, results for unknown instances, heartbeats after completion — and
    /// then a full replay of every input topic from offset 0 by a fresh consumer group. Pass: zero
    /// lost, zero applied twice, and the replay changes no instance.
    @Suite("Message anomalies", .serialized, .timeLimit(.minutes(3)))
    struct MessageAnomalyTests {
        static let workflows = 200
        static let definition = """
            id: anomalies
            triggers: [{ type: anomalies.start }]
            steps:
              - id: first
                type: task
                taskType: anomaly.work
                retry: { maxAttempts: 2, initialInterval: 50ms }
                next: second
              - { id: second, type: task, taskType: anomaly.work }
            """

        @Test func duplicatesReorderingStaleAttemptsAndAFullReplayChangeNothing() async throws {
            var logger = Logger(label: "anomalies")
            logger.logLevel = .error
            let broker = try EmbeddedBroker(brokerCount: 1, stablePort: nil, logger: logger)
            defer { broker.shutdown() }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-anomalies-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties)
            let topics = TopicNames()
            func configuration(group: String) -> BatonConfiguration {
                var c = BatonConfiguration(
                    kafka: .init(bootstrapServers: broker.bootstrapServers, groupId: group, properties: EmbeddedBroker.recommendedClientProperties, partitions: 4),
                    store: .init(path: folder.appendingPathComponent("baton.sqlite").path), api: .init(enabled: false)
                )
                c.kafka.createTopics = true
                return c
            }
            let provisioner = EmbeddedTopicProvisioner(broker: broker, partitions: 4)

            // First life: the anomalous worker runs alongside.
            let app = try await buildApplication(configuration(group: "baton-1"), provisioner: provisioner, logger: logger)
            _ = try await app.orchestrator.registerDefinition(text: Self.definition)
            let runner = Task { try await app.run(signals: []) }
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            defer { producer.shutdown() }
            let requests = try KafkaConsumer(configuration: kafka, options: .init(groupId: "anomalous-worker", topics: [topics.tasks("anomaly.work")]), logger: logger)
            defer { requests.close() }
            while await app.service.notReadyReason() != nil || !requests.hasAssignment { try await Task.sleep(for: .milliseconds(20)) }

            let triggers = (0..<Self.workflows).map { i in
                let wire = CloudEventCodec.encodeStructured(CloudEvent(id: "a-\(i)", source: "anomalies", type: "anomalies.start", data: ["n": .number(Double(i))]), topic: topics.triggers, key: nil)
                return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
            }
            // Each trigger twice, too.
            for case .failure(let error) in await producer.send(triggers + triggers) { throw error }

            func record(_ result: TaskResult) -> KafkaRecord {
                let wire = TaskResultCodec.encode(result, topics: topics)
                return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
            }
            let worker = Task {
                for await batch in requests.batches {
                    var out: [KafkaRecord] = []
                    for message in batch {
                        guard let task = try? TaskRequestCodec.decode(message.value) else { continue }
                        if task.stepId == "first" && task.attempt == 1 {
                            // Fail the first attempt; later, answer it as if it had completed (stale).
                            out.append(record(TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: 1, status: .failed, error: ErrorInfo(code: "BUSY", message: "busy", retryable: true))))
                            continue
                        }
                        let done = TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: ["ok": true])
                        let staleFirst = TaskResult(taskId: "\(task.instanceId).1", instanceId: task.instanceId, stepId: "first", attempt: 1, status: .completed, output: ["late": true])
                        let heartbeat = TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .heartbeat, output: ["after": true])
                        let unknown = TaskResult(taskId: "nobody.1", instanceId: "nobody", stepId: "first", attempt: 1, status: .completed)
                        out += [record(done), record(done), record(staleFirst), record(done), record(heartbeat), record(unknown)]
                    }
                    // Out of order within and across instances.
                    _ = await producer.send(out.reversed())
                    try? await requests.commit(batch)
                }
            }
            defer { worker.cancel() }
            let deadline = ContinuousClock.now + .seconds(90)
            while app.orchestrator.counters.resultsApplied < Self.workflows * 3 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(2))  // let late duplicates arrive and the outbox drain
            let before = try await Self.snapshot(app.service)
            let firstCounters = app.orchestrator.counters
            runner.cancel()
            _ = try? await runner.value
            await app.store.close()

            // Second life: a fresh consumer group replays both input topics from offset 0.
            let replay = try await buildApplication(configuration(group: "baton-replay"), provisioner: provisioner, logger: logger)
            let replayRunner = Task { try await replay.run(signals: []) }
            let inputs = try await FaultChecker.readTopic(kafka: kafka, topic: topics.taskResults, idle: .seconds(2)).count
                + (Self.workflows * 2)
            let replayDeadline = ContinuousClock.now + .seconds(60)
            while replay.orchestrator.counters.messagesProcessed < inputs && ContinuousClock.now < replayDeadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(1))
            let after = try await Self.snapshot(replay.service)
            let replayCounters = replay.orchestrator.counters
            replayRunner.cancel()
            _ = try? await replayRunner.value
            await replay.store.close()

            let report = try await FaultChecker(storePath: folder.appendingPathComponent("baton.sqlite").path, kafka: kafka)
                .check(scenario: "message anomalies + full replay", workflowId: "anomalies", taskTypes: ["anomaly.work"], crashes: 0)
            print("message anomalies: \(report)")
            print("message anomalies: first run ignored \(firstCounters.inputsIgnored), dead-lettered \(firstCounters.deadLettered), triggers deduplicated \(firstCounters.triggersDeduplicated); replay of \(replayCounters.messagesProcessed) inputs applied \(replayCounters.resultsApplied), started \(replayCounters.instancesStarted)")
            #expect(report.started == Self.workflows)
            #expect(report.completed == Self.workflows)
            #expect(report.passed, "\(report)")
            #expect(firstCounters.triggersDeduplicated == Self.workflows)
            #expect((firstCounters.deadLettered["UNKNOWN_INSTANCE"] ?? 0) > 0)
            #expect((firstCounters.inputsIgnored["DUPLICATE_RESULT"] ?? 0) > 0)
            #expect(replayCounters.messagesProcessed >= inputs)
            #expect(replayCounters.resultsApplied == 0)
            #expect(replayCounters.instancesStarted == 0)
            #expect(after == before, "the replay changed instances")
        }

        /// Status and applied outcomes of every instance.
        static func snapshot(_ service: WorkflowAPIService) async throws -> [String: String] {
            var out: [String: String] = [:]
            var cursor: String?
            repeat {
                let page = try await service.instances(InstanceQuery(workflowId: "anomalies", cursor: cursor, limit: 1000))
                for instance in page.instances {
                    let history = try await service.history(instanceId: instance.id, afterSequence: 0, limit: 10_000)
                    let applied = history.filter { $0.type == .taskCompleted || $0.type == .taskFailed }.compactMap(\.taskId)
                    out[instance.id] = "\(instance.status.rawValue) \(applied.joined(separator: ","))"
                }
                cursor = page.nextCursor
            } while cursor != nil
            return out
        }
    }
}
