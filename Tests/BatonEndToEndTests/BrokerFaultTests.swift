import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import BatonStore
import Foundation
import Logging
import Testing

extension EndToEnd {
    /// The cluster misbehaves under load, driven through `baton dev-broker --fault-commands`:
    /// slow responses, produce/fetch/offset-commit errors, leader and coordinator moves, and the
    /// whole cluster unreachable for a while. `baton serve` runs as its own process. Pass: zero
    /// lost workflows and zero results applied twice.
    @Suite("Broker faults", .serialized, .timeLimit(.minutes(4)))
    struct BrokerFaultTests {
        static let workflows = 1000
        static let definition = """
            id: weather
            triggers: [{ type: weather.start }]
            steps:
              - { id: a, type: task, taskType: weather.work, next: b }
              - { id: b, type: task, taskType: weather.work, next: c }
              - { id: c, type: task, taskType: weather.work }
            """

        static let faults: [(commands: [String], seconds: Double)] = [
            (["rtt 1 250", "rtt 2 250", "rtt 3 250"], 2),
            (["rtt 1 0", "rtt 2 0", "rtt 3 0", "error produce NOT_ENOUGH_REPLICAS 30"], 1.5),
            (["error fetch NOT_LEADER_OR_FOLLOWER 30"], 1.5),
            (["error offset-commit COORDINATOR_NOT_AVAILABLE 10"], 1.5),
            (["leader baton.task-results 0 2", "leader baton.triggers 1 3", "leader baton.tasks.weather.work 2 2", "leader baton.lifecycle 3 3"], 1.5),
            (["coordinator baton 2", "coordinator weather-worker 3"], 1.5),
            (["unreachable"], 3),
            (["reachable"], 0),
        ]

        /// Found a loss once: task requests reported delivered without an offset after a produce
        /// error, never on the topic (see `KafkaProducer` and UnconfirmedDeliveryTests). The serve
        /// log is kept at trace level (ties each outbox row to its partition and offset) and removed
        /// when the run passes.
        @Test
        func slowErroringMovingAndUnreachableBrokersLoseNothing() async throws {
            let binary = packageRoot().appendingPathComponent(".build/debug/baton").path
            try #require(FileManager.default.isExecutableFile(atPath: binary), "build the baton executable first (swift build)")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-weather-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var keepLogs = true
            defer { if !keepLogs { try? FileManager.default.removeItem(at: folder) } }

            let bootstrapFile = folder.appendingPathComponent("bootstrap").path
            let brokerLog = folder.appendingPathComponent("broker.log")
            let broker = try ChildProcess(binary, [
                "dev-broker", "--port", "0", "--brokers", "3", "--partitions", "4", "--task-type", "weather.work",
                "--bootstrap-file", bootstrapFile, "--fault-commands", "--exit-on-stdin-close",
            ], log: brokerLog)
            defer { broker.terminate() }
            let bootstrap = try await waitForFile(bootstrapFile)
            let port = try freePort()
            let store = folder.appendingPathComponent("baton.sqlite").path
            let serve = try ChildProcess(binary, [
                "serve", "--insecure-no-auth", "--bootstrap-servers", bootstrap, "--store", store, "--api-port", String(port), "--create-topics", "false",
                "--kafka-property", "fetch.wait.max.ms=5", "--kafka-property", "session.timeout.ms=6000", "--kafka-property", "heartbeat.interval.ms=500",
                "--exit-on-stdin-close",
            ], log: folder.appendingPathComponent("serve.log"), environment: ["BATON_LOG_LEVEL": "trace"])
            defer { serve.kill() }
            try await waitForReady(port: port)
            #expect(try await http("POST", port: port, "/v1/definitions", body: Self.definition, contentType: "application/yaml").status == 201)

            var logger = Logger(label: "weather")
            logger.logLevel = .critical
            let kafka = KafkaConfiguration(bootstrapServers: bootstrap, properties: ["fetch.wait.max.ms": "5", "session.timeout.ms": "6000"])
            let worker = try ExampleWorker(kafka: kafka, topics: TopicNames(), groupId: "weather-worker", behaviour: ExampleWorker.echoBehaviour, logger: logger)
            let workerTask = Task { try await worker.run() }
            defer { workerTask.cancel() }
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            defer { producer.shutdown() }
            let events = (0..<Self.workflows).map { i in
                let wire = CloudEventCodec.encodeStructured(CloudEvent(id: "w-\(i)", source: "weather", type: "weather.start", data: [:]), topic: TopicNames().triggers, key: Array("w-\(i)".utf8))
                return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
            }
            // Each wave of triggers is sent while its fault holds; sends are not awaited in the
            // loop, since with the cluster unreachable a send waits for it to come back.
            let waves = events.chunks(Self.faults.count)
            var sends: [Task<Void, any Error>] = []
            for (index, fault) in Self.faults.enumerated() {
                for command in fault.commands { broker.stdin.fileHandleForWriting.write(Data((command + "\n").utf8)) }
                sends.append(Task { try await producer.sendUntilDelivered(waves[index]) })
                try await Task.sleep(for: .milliseconds(Int(fault.seconds * 1000)))
            }
            for send in sends { try await send.value }

            let deadline = ContinuousClock.now + .seconds(150)
            var completed = 0
            while completed < Self.workflows && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                completed = (try? await countInstances(port: port, status: "COMPLETED")) ?? completed
            }
            try await Task.sleep(for: .seconds(1))
            serve.terminate()
            serve.wait()

            let replies = String(decoding: FileManager.default.contents(atPath: brokerLog.path) ?? Data(), as: UTF8.self)
                .split(separator: "\n").filter { $0.hasPrefix("ok: ") || $0.hasPrefix("error: ") }
            let report = try await FaultChecker(storePath: store, kafka: kafka).check(scenario: "broker faults", workflowId: "weather", taskTypes: ["weather.work"], crashes: 0, toleratesWireReordering: true)
            print("broker faults: \(replies.count) fault commands applied: \(replies.map { String($0) })")
            // How often the unconfirmed-delivery defence acted (the serve log is at trace level).
            let serveLog = String(decoding: FileManager.default.contents(atPath: folder.appendingPathComponent("serve.log").path) ?? Data(), as: UTF8.self)
            let unconfirmed = serveLog.split(separator: "\n").filter { $0.contains("outbox row not delivered") && $0.contains("_INCONSISTENT") }.count
            print("broker faults: \(unconfirmed) outbox row(s) reported delivered without an offset, published again")
            print("broker faults: \(report)")
            #expect(replies.count == Self.faults.reduce(0) { $0 + $1.commands.count })
            #expect(replies.allSatisfy { $0.hasPrefix("ok: ") }, "\(replies)")
            #expect(report.started == Self.workflows)
            #expect(report.completed == Self.workflows)
            #expect(report.passed, "\(report) — logs in \(folder.path)")
            if report.passed { keepLogs = false }
        }
    }
}
