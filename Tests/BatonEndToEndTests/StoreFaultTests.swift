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
    /// The SQLite file fills up, then turns read-only, while workflows run: Baton stops consuming,
    /// reports not ready, retries with back-off, and resumes without loss when the fault clears.
    @Suite("Store faults", .serialized, .timeLimit(.minutes(3)))
    struct StoreFaultTests {
        static let workflows = 300
        static let definition = """
            id: steady
            triggers: [{ type: steady.start }]
            steps:
              - { id: a, type: task, taskType: steady.work, next: b }
              - { id: b, type: task, taskType: steady.work, next: c }
              - { id: c, type: task, taskType: steady.work }
            """

        @Test(arguments: [SQLiteStore.SimulatedFault.diskFull, .readOnly])
        func aFullOrReadOnlyStorePausesBatonWhichResumesWithoutLoss(_ fault: SQLiteStore.SimulatedFault) async throws {
            var logger = Logger(label: "store-faults")
            logger.logLevel = ProcessInfo.processInfo.environment["FAULT_LOG"] == nil ? .critical : .warning
            let broker = try EmbeddedBroker(brokerCount: 1, stablePort: nil, logger: logger)
            defer { teardownStep("embedded broker shutdown") { broker.shutdown() } }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-store-faults-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("baton.sqlite").path
            var configuration = BatonConfiguration(
                kafka: .init(bootstrapServers: broker.bootstrapServers, groupId: "baton", properties: EmbeddedBroker.recommendedClientProperties, partitions: 4),
                store: .init(path: path), api: .init(enabled: false)
            )
            configuration.kafka.createTopics = true
            let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties)
            let app = try await buildApplication(configuration, provisioner: EmbeddedTopicProvisioner(broker: broker, partitions: 4), logger: logger)
            _ = try await app.orchestrator.registerDefinition(text: Self.definition)
            let worker = try ExampleWorker(kafka: kafka, topics: TopicNames(), groupId: "steady-worker", behaviour: ExampleWorker.echoBehaviour, logger: logger)
            let runner = Task { try await app.run(extraServices: [worker], signals: []) }
            while await app.service.notReadyReason() != nil || !worker.isReady { try await Task.sleep(for: .milliseconds(20)) }

            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            defer { teardownStep("trigger producer shutdown") { producer.shutdown() } }
            func send(_ range: Range<Int>) async throws {
                let records = range.map { i in
                    let wire = CloudEventCodec.encodeStructured(CloudEvent(id: "w-\(i)", source: "faults", type: "steady.start", data: [:]), topic: TopicNames().triggers, key: nil)
                    return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
                }
                for case .failure(let error) in await producer.send(records) { throw error }
            }
            try await send(0..<Self.workflows / 2)
            try await Task.sleep(for: .milliseconds(300))

            // The fault, with the second half of the work arriving while it lasts.
            let sqlite = try #require(app.store as? SQLiteStore)
            try await sqlite.simulate(fault)
            try await send(Self.workflows / 2..<Self.workflows)
            var notReady: String?
            let observe = ContinuousClock.now + .seconds(10)
            while notReady == nil && ContinuousClock.now < observe {
                notReady = await app.service.notReadyReason()
                try await Task.sleep(for: .milliseconds(20))
            }
            let appliedDuringFault = app.orchestrator.counters.resultsApplied
            try await Task.sleep(for: .seconds(1))
            var refusal: (error: ServiceError, after: Duration)?
            if fault == .readOnly {
                // A full disk still takes transactions that fit in free pages; a read-only file takes none.
                #expect(app.orchestrator.counters.resultsApplied == appliedDuringFault, "nothing is applied while the store is read-only")
                // Failed commits in a row open the store's circuit: a write is refused at once.
                let breaker = app.orchestrator.commits.storeBreaker
                let opened = ContinuousClock.now + .seconds(10)
                while !breaker.isOpen && ContinuousClock.now < opened { try await Task.sleep(for: .milliseconds(20)) }
                #expect(breaker.isOpen, "the store's circuit opens")
                let asked = ContinuousClock.now
                do {
                    _ = try await app.service.startInstance(workflowId: "steady", version: nil, input: [:], idempotencyKey: nil)
                } catch {
                    refusal = (error, ContinuousClock.now - asked)
                }
                #expect(await app.service.notReadyReason()?.contains("store circuit: open after") == true)
            }
            try await sqlite.simulate(nil)

            let deadline = ContinuousClock.now + .seconds(60)
            while app.orchestrator.counters.resultsApplied < Self.workflows * 3 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            let readyAgain = await app.service.notReadyReason()
            try await Task.sleep(for: .seconds(1))
            runner.cancel()
            _ = try? await runner.value
            await app.store.close()

            let report = try await FaultChecker(storePath: path, kafka: kafka).check(scenario: "store \(fault)", workflowId: "steady", taskTypes: ["steady.work"], crashes: 0)
            print("store faults: \(report); not ready during the fault: \(notReady ?? "never"); a write refused after \(refusal.map { "\($0.after)" } ?? "-")")
            #expect(notReady?.contains("store") == true, "readiness must report the store")
            if fault == .readOnly {
                #expect(refusal?.error.code == .unavailable)
                #expect(refusal?.error.message.contains("its circuit is open") == true, "\(String(describing: refusal))")
                #expect((refusal?.after ?? .seconds(1)) < .milliseconds(100), "refused without touching the store")
                #expect(!app.orchestrator.commits.storeBreaker.isOpen, "closed by the first commit that worked")
            }
            #expect(readyAgain == nil)
            #expect(report.started == Self.workflows)
            #expect(report.completed == Self.workflows)
            #expect(report.passed, "\(report)")
        }
    }
}
