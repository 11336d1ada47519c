import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonServer
import BatonStore
import BatonStoreSQLite
import Foundation
import Logging
import Testing

extension EndToEnd {
    /// 10,000 instances wait on durable timers; Baton stops before they are due and starts again
    /// after: every timer fires once, and the test measures how late.
    @Suite("Timers across a restart", .serialized, .timeLimit(.minutes(3)))
    struct TimerRestartTests {
        static let instances = 10_000
        static let definition = """
            id: sleepers
            triggers: [{ type: sleepers.start }]
            steps:
              - { id: nap, type: wait, until: "${ $.input.at }", next: done }
              - { id: done, type: succeed }
            """

        @Test func tenThousandTimersDueWhileDownFireOnceAtStartUp() async throws {
            var logger = Logger(label: "timers")
            logger.logLevel = .error
            let broker = try EmbeddedBroker(brokerCount: 1, stablePort: nil, logger: logger)
            defer { broker.shutdown() }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-timers-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("baton.sqlite").path
            var configuration = BatonConfiguration(
                kafka: .init(bootstrapServers: broker.bootstrapServers, groupId: "baton-timers", properties: EmbeddedBroker.recommendedClientProperties, partitions: 8),
                store: .init(path: path), api: .init(enabled: false)
            )
            configuration.kafka.createTopics = true
            let provisioner = EmbeddedTopicProvisioner(broker: broker, partitions: 8)

            let app = try await buildApplication(configuration, provisioner: provisioner, logger: logger)
            _ = try await app.orchestrator.registerDefinition(text: Self.definition)
            let runner = Task { try await app.run(signals: []) }
            while await app.service.notReadyReason() != nil { try await Task.sleep(for: .milliseconds(20)) }

            // All due at one moment a few seconds ahead: the worst case for a timer service.
            let due = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) + 6000)
            let producer = try KafkaProducer(configuration: .init(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties), logger: logger)
            defer { producer.shutdown() }
            let triggers = (0..<Self.instances).map { i in
                let wire = CloudEventCodec.encodeStructured(CloudEvent(id: "s-\(i)", source: "timers", type: "sleepers.start", data: ["at": .string(due.iso8601)]), topic: TopicNames().triggers, key: nil)
                return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
            }
            for case .failure(let error) in await producer.send(triggers) { throw error }
            let started = ContinuousClock.now + .seconds(60)
            while app.orchestrator.counters.instancesStarted < Self.instances && ContinuousClock.now < started { try await Task.sleep(for: .milliseconds(50)) }
            #expect(app.orchestrator.counters.instancesStarted == Self.instances)
            #expect(app.orchestrator.counters.timersFired == 0, "the timers fired before the restart; raise the delay")

            // Down across the due time.
            runner.cancel()
            _ = try? await runner.value
            await app.store.close()
            let downUntil = Date(timeIntervalSince1970: Double(due.milliseconds) / 1000 + 1)
            if downUntil > Date() { try await Task.sleep(for: .milliseconds(Int(downUntil.timeIntervalSinceNow * 1000))) }

            let restarted = try await buildApplication(configuration, provisioner: provisioner, logger: logger)
            let restartedAt = Date()
            let second = Task { try await restarted.run(signals: []) }
            let deadline = ContinuousClock.now + .seconds(90)
            while restarted.orchestrator.counters.timersFired < Self.instances && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let allFired = Date().timeIntervalSince(restartedAt)
            try await Task.sleep(for: .milliseconds(500))
            let fired = restarted.orchestrator.counters.timersFired
            second.cancel()
            _ = try? await second.value
            await restarted.store.close()

            // Every instance completed with exactly one WaitCompleted; no timer row is left.
            let store = try await SQLiteStore.open(.init(path: path))
            var lateness: [Int64] = []
            var firedTwice = 0
            var notCompleted = 0
            var cursor: String?
            repeat {
                let page = try await store.instances(InstanceQuery(workflowId: "sleepers", cursor: cursor, limit: 1000))
                for instance in page.instances {
                    if instance.status != .completed { notCompleted += 1 }
                    let history = try await store.history(instanceId: instance.id, afterSequence: 0, limit: 100)
                    let waits = history.filter { $0.type == .waitCompleted }
                    if waits.count != 1 { firedTwice += 1 }
                    if let at = waits.first?.time { lateness.append(at.milliseconds(since: due)) }
                }
                cursor = page.nextCursor
            } while cursor != nil
            let left = try await store.dueTimers(until: Timestamp(milliseconds: Int64.max / 2), limit: 10)
            await store.close()
            lateness.sort()
            let downtime = Int64(Date(timeIntervalSince1970: 0).distance(to: restartedAt) * 1000) - due.milliseconds
            print("timers: \(Self.instances) due while Baton was down; restarted \(downtime) ms after the due time; fired \(fired), all within \(String(format: "%.2f", allFired)) s of the restart; lateness after the due time p50 \(lateness[lateness.count / 2]) ms, p99 \(lateness[lateness.count * 99 / 100]) ms, max \(lateness.last!) ms; fired twice \(firedTwice), not completed \(notCompleted), rows left \(left.count)")
            #expect(fired == Self.instances)
            #expect(firedTwice == 0)
            #expect(notCompleted == 0)
            #expect(left.isEmpty)
            // On time within a bound: none before its time, all within 30 s of the restart on two cores.
            #expect(lateness.first! >= 0)
            #expect(allFired < 30)
        }
    }
}
