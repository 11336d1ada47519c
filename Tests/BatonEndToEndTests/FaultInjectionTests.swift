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
    /// The proof for failure semantics: `baton serve` dies at each named failpoint and by
    /// `kill -9` at random moments, over and over, while 2,000 workflows with retries and timers
    /// run against `baton dev-broker` in its own process. Pass: zero lost workflows and zero task
    /// results applied twice, checked by reading the whole store and the lifecycle topic.
    @Suite("Fault injection", .serialized, .timeLimit(.minutes(6)))
    struct FaultInjectionTests {
        static let workflows = 2000

        /// Three tasks with a wait between; every fourth workflow's first attempt at `charge`
        /// fails retryably and is retried on a timer.
        static let definition = """
            id: chaos
            triggers: [{ type: chaos.start }]
            steps:
              - { id: reserve, type: task, taskType: chaos.work, input: { n: "${ $.input.n }" }, next: charge }
              - id: charge
                type: task
                taskType: chaos.work
                input: { n: "${ $.input.n }", flaky: true }
                retry: { maxAttempts: 3, initialInterval: 100ms }
                next: cool
              - { id: cool, type: wait, duration: 100ms, next: ship }
              - { id: ship, type: task, taskType: chaos.work, input: { n: "${ $.input.n }" } }
            """

        static let worker: ExampleWorker.Behaviour = { task in
            let n = task.input["n"]?.intValue ?? 0
            if task.input["flaky"] == true, n % 4 == 0, task.attempt == 1 {
                return TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed, error: ErrorInfo(code: "UNAVAILABLE", message: "flaky", retryable: true))
            }
            return TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: ["n": .number(Double(n))])
        }

        @Test func dyingAtEveryFailpointAndByKillLosesNothingAndAppliesNothingTwice() async throws {
            let root = packageRoot()
            let binary = root.appendingPathComponent(".build/debug/baton").path
            try #require(FileManager.default.isExecutableFile(atPath: binary), "build the baton executable first (swift build)")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-chaos-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var keepLogs = true
            defer { if !keepLogs { try? FileManager.default.removeItem(at: folder) } }

            let bootstrapFile = folder.appendingPathComponent("bootstrap").path
            let broker = try ChildProcess(binary, ["dev-broker", "--port", "0", "--partitions", "8", "--task-type", "chaos.work", "--bootstrap-file", bootstrapFile, "--exit-on-stdin-close"], log: folder.appendingPathComponent("broker.log"))
            defer { broker.terminate() }
            let bootstrap = try await waitForFile(bootstrapFile)
            let port = try freePort()
            let store = folder.appendingPathComponent("baton.sqlite").path
            let arguments = [
                "serve", "--insecure-no-auth", "--bootstrap-servers", bootstrap, "--store", store, "--api-port", String(port), "--create-topics", "false",
                "--kafka-property", "fetch.wait.max.ms=5", "--kafka-property", "session.timeout.ms=6000",
                "--kafka-property", "heartbeat.interval.ms=500", "--exit-on-stdin-close",
            ]
            var life = 1
            var serve = try ChildProcess(binary, arguments, log: folder.appendingPathComponent("serve-\(life).log"))
            defer { serve.kill() }
            try await waitForReady(port: port)
            #expect(try await http("POST", port: port, "/v1/definitions", body: Self.definition, contentType: "application/yaml").status == 201)

            var logger = Logger(label: "chaos")
            logger.logLevel = .error
            let kafka = KafkaConfiguration(bootstrapServers: bootstrap, properties: ["fetch.wait.max.ms": "5", "session.timeout.ms": "6000"])
            let worker = try ExampleWorker(kafka: kafka, topics: TopicNames(), groupId: "chaos-worker", behaviour: Self.worker, logger: logger)
            let workerTask = Task { try await worker.run() }
            defer { workerTask.cancel() }
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            defer { producer.shutdown() }
            let events = (0..<Self.workflows).map { i in
                let wire = CloudEventCodec.encodeStructured(
                    CloudEvent(id: "chaos-\(i)", source: "chaos", type: "chaos.start", data: ["n": .number(Double(i))]),
                    topic: TopicNames().triggers, key: Array("chaos-\(i)".utf8))
                return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
            }
            // The triggers arrive in waves, one per life, so every life has work in flight when it
            // dies. Lives 2–5 each die at one failpoint, a few hits in; lives 6–10 die by kill -9
            // at a random moment. Then one life runs to the end.
            var deaths: [String] = []
            let plan: [String?] = Failpoint.allCases.map(\.rawValue) + [nil, nil, nil, nil, nil]
            let waves = events.chunks(plan.count + 1)
            for case .failure(let error) in await producer.send(waves[0]) { throw error }
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1000)))
            for (index, point) in plan.enumerated() {
                serve.kill()
                life += 1
                for case .failure(let error) in await producer.send(waves[index + 1]) { throw error }
                var environment: [String: String] = [:]
                if let point { environment["BATON_FAILPOINTS"] = "\(point)@\(Int.random(in: 1...3))" }
                serve = try ChildProcess(binary, arguments, log: folder.appendingPathComponent("serve-\(life).log"), environment: environment)
                if let point {
                    let deadline = ContinuousClock.now + .seconds(30)
                    while serve.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                    if let status = serve.exitStatus {
                        #expect(status == 86, "life \(life) should have died at \(point)")
                        deaths.append("\(point) (exit \(status))")
                    } else {
                        deaths.append("\(point) not reached in 30 s; kill -9")
                    }
                } else {
                    try await waitForReady(port: port)
                    try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500)))
                    deaths.append("kill -9")
                }
            }
            serve.kill()
            life += 1
            serve = try ChildProcess(binary, arguments, log: folder.appendingPathComponent("serve-\(life).log"))
            try await waitForReady(port: port)
            let deadline = ContinuousClock.now + .seconds(180)
            var completed = 0
            while completed < Self.workflows && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                completed = try await countInstances(port: port, status: "COMPLETED")
            }
            // Let the relay drain the outbox before stopping.
            try await Task.sleep(for: .seconds(1))
            serve.terminate()
            serve.wait()

            let report = try await FaultChecker(storePath: store, kafka: kafka).check(scenario: "kill -9 and failpoints", workflowId: "chaos", taskTypes: ["chaos.work"], crashes: deaths.count)
            print("fault injection: deaths \(deaths)")
            print("fault injection: \(report)")
            #expect(report.started == Self.workflows)
            #expect(report.completed == Self.workflows)
            #expect(report.passed, "\(report) — logs in \(folder.path)")
            #expect(deaths.filter { $0 == "kill -9" }.count >= 5)
            #expect(deaths.filter { $0.contains("exit 86") }.count == Failpoint.allCases.count, "every failpoint must be reached: \(deaths)")
            if report.passed { keepLogs = false }
        }
    }
}

extension Array {
    /// `count` consecutive slices of nearly equal size.
    func chunks(_ count: Int) -> [[Element]] {
        let size = (self.count + count - 1) / count
        return (0..<count).map { i in Array(self[Swift.min(self.count, i * size)..<Swift.min(self.count, (i + 1) * size)]) }
    }
}
