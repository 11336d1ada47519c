import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import BatonStore
import BatonStorePostgres
import Foundation
import Logging
import Testing

extension EndToEnd {
    /// The proof for scale-out: three `baton serve` processes on one PostgreSQL and one consumer
    /// group run 3,000 workflows with a retry, a parallel step (a task beside a timer) and a
    /// foreach, while processes are killed with SIGKILL and restarted, one is paused past its
    /// session timeout and woken (a zombie), PostgreSQL is restarted without a checkpoint, and
    /// Baton's database connections are terminated. Pass: every workflow completed, no result or
    /// timer applied twice, every instance's lifecycle events in order with one terminal event,
    /// every scheduled task request published, and the outbox empty.
    @Suite("Scale-out chaos on PostgreSQL", .serialized, .timeLimit(.minutes(14)))
    struct ScaleOutChaosTests {
        static let workflows = 3000
        static let processes = 3
        static let waves = 10
        static let partitions = 12

        /// Every fourth workflow's first `charge` fails retryably (a retry timer); `cool` is a timer
        /// in a parallel branch beside a task; `pack` runs once per item.
        static let definition = """
            id: scale
            triggers: [{ type: scale.start }]
            steps:
              - id: charge
                type: task
                taskType: scale.work
                input: { n: "${ $.input.n }", flaky: true }
                retry: { maxAttempts: 3, initialInterval: 100ms }
                next: both
              - id: both
                type: parallel
                branches:
                  - {name: ship, steps: [{id: ship, type: task, taskType: scale.work, input: {n: "${ $.input.n }"}}]}
                  - {name: cool, steps: [{id: cool, type: wait, duration: 200ms}]}
                next: each
              - id: each
                type: foreach
                items: "${ $.input.items }"
                steps:
                  - {id: pack, type: task, taskType: scale.work, input: {n: "${ $.input.n }", item: "${ $.item }"}}
            """

        /// What one run of the scenario saw, checked by the test.
        struct Outcome {
            var report: FaultChecker.Report
            var acts: [String]
            var disconnected: Int
            var didNotStop: [Int]
            var refusals: [Int]
            var summaries: [String]
        }

        /// One rerun is allowed for exactly one cause outside Baton: the embedded broker aborting
        /// on librdkafka 2.0.2's mock-cluster assertion (see
        /// `PostgresServeCluster.brokerAbortedByKnownMockDefect`), which this scenario's SIGSTOP and
        /// store outages sometimes make the mock's own clients provoke (rarely, but once seen). Any other
        /// death of the broker, and a second abort, fail the test.
        @Test func killingPausingAndDisconnectingProcessesLosesNothingAndRepeatsNothing() async throws {
            for run in 1...2 {
                // 12 partitions, not 6: the embedded broker keeps ≈5 MB per partition and drops the
                // oldest beyond it. With 6, the fullest lifecycle partition held 4.9 MB of events
                // (5,550 messages) and some runs lost the head of the earliest instances' event
                // streams on the broker (7 and 56 instances without `workflow.started`; nothing
                // lost in the store); the checker now names such a cut (`prunedPartitions`).
                let cluster = try await PostgresServeCluster(name: "scale-chaos", processes: Self.processes, partitions: Self.partitions, taskType: "scale.work")
                let outcome: Outcome?
                do {
                    outcome = try await Self.run(on: cluster)
                } catch where cluster.brokerAbortedByKnownMockDefect != nil {
                    outcome = nil
                }
                guard let outcome else {
                    let line = cluster.brokerAbortedByKnownMockDefect ?? ""
                    print("scale-out chaos: run \(run): the embedded broker aborted on librdkafka's known mock-cluster defect (\(line)); logs in \(cluster.folder.path)")
                    if run == 2 { Issue.record("the embedded broker aborted on librdkafka's mock-cluster defect in both runs: \(line)") }
                    continue
                }
                let report = outcome.report
                #expect(report.started == Self.workflows)
                #expect(report.completed == Self.workflows)
                #expect(report.passed, "\(report) — logs in \(cluster.folder.path)")
                #expect(outcome.acts.filter { $0.hasPrefix("kill -9") }.count >= 6)
                #expect(outcome.disconnected > 0, "Baton's connections must have been there to terminate")
                #expect(outcome.didNotStop.isEmpty, "processes \(outcome.didNotStop) did not stop within 30 s of SIGTERM — logs in \(cluster.folder.path)")
                #expect(outcome.refusals.allSatisfy { $0 >= 0 }, "every process logs its summary as it stops: \(outcome.summaries)")
                if report.passed && outcome.didNotStop.isEmpty { cluster.passed() }
                return
            }
        }

        /// Runs the acts and the checks on `cluster`; nil when the embedded broker aborted on the
        /// known mock defect (noticed within a second instead of at the completion deadline).
        static func run(on cluster: PostgresServeCluster) async throws -> Outcome? {
            let registered = try await http("POST", port: cluster.ports[0], "/v1/definitions", body: Self.definition, contentType: "application/yaml").status
            guard registered == 201 else { throw HarnessError("registering the definition answered \(registered)") }
            // Every process must know the definition before triggers reach it (its watcher polls
            // every 500 ms).
            for port in cluster.ports {
                let deadline = ContinuousClock.now + .seconds(10)
                while try await http("GET", port: port, "/v1/definitions/scale").status != 200, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            try await Task.sleep(for: .seconds(1))

            var logger = Logger(label: "scale-chaos")
            logger.logLevel = .error
            let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrap, properties: ["fetch.wait.max.ms": "5", "session.timeout.ms": "6000"])
            let worker = try ExampleWorker(kafka: kafka, topics: TopicNames(), groupId: "scale-worker", behaviour: FaultInjectionTests.worker, logger: logger)
            let workerTask = Task { try await worker.run() }
            defer { workerTask.cancel() }
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            defer { producer.shutdown() }
            let events = (0..<Self.workflows).map { i in
                let wire = CloudEventCodec.encodeStructured(
                    CloudEvent(id: "scale-\(i)", source: "scale", type: "scale.start", data: ["n": .number(Double(i)), "items": ["a", "b"]]),
                    topic: TopicNames().triggers, key: Array("scale-\(i)".utf8))
                return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
            }
            let waves = events.chunks(Self.waves)

            // One wave of triggers before each act, so every act meets work in flight.
            enum Act { case kill(Int), pause(Int), restartDatabase, terminateConnections }
            let plan: [Act] = [.kill(2), .kill(0), .pause(2), .kill(1), .restartDatabase, .kill(0), .terminateConnections, .kill(1), .kill(0)]
            var acts: [String] = []
            var disconnected = 0
            let started = ContinuousClock.now
            for (index, act) in plan.enumerated() {
                for case .failure(let error) in await producer.send(waves[index]) { throw error }
                try await Task.sleep(for: .milliseconds(Int.random(in: 1500...3000)))
                let at = ContinuousClock.now - started
                switch act {
                case .kill(let process):
                    try await cluster.killAndRestart(process)
                    acts.append("kill -9 of process \(process + 1)")
                case .pause(let process):
                    // Past the session timeout (6 s) and the outbox leases (6 s).
                    try await cluster.pause(process, for: .seconds(9))
                    acts.append("SIGSTOP of process \(process + 1) for 9 s, then SIGCONT")
                case .restartDatabase:
                    try await cluster.server.restartImmediately()
                    acts.append("pg_ctl restart -m immediate")
                case .terminateConnections:
                    disconnected = try await cluster.server.terminateConnections(to: cluster.database.database)
                    acts.append("pg_terminate_backend of \(disconnected) connections")
                }
                print("scale-out chaos: at \(at): \(acts.last!)")
                if cluster.brokerAbortedByKnownMockDefect != nil { return nil }
            }
            for case .failure(let error) in await producer.send(waves[plan.count]) { throw error }

            let deadline = ContinuousClock.now + .seconds(240)
            var completed = 0
            var progress: [String] = []
            var lastNoted = ContinuousClock.now
            while completed < Self.workflows && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                if cluster.brokerAbortedByKnownMockDefect != nil { return nil }
                // Any process will do; one that does not answer (restarting, or slow) is noted.
                var answered: Int?
                var unanswered: [Int] = []
                for (index, port) in cluster.ports.enumerated() where answered == nil {
                    answered = try? await countInstances(port: port, status: "COMPLETED")
                    if answered == nil { unanswered.append(index + 1) }
                }
                completed = answered ?? completed
                if ContinuousClock.now - lastNoted > .seconds(10) {
                    lastNoted = ContinuousClock.now
                    progress.append("\(Int((lastNoted - started).components.seconds)) s: \(completed)\(unanswered.isEmpty ? "" : " (no answer from \(unanswered))")")
                }
            }
            print("scale-out chaos: completed over time: \(progress.joined(separator: ", "))")
            let finished = ContinuousClock.now - started
            let checkStore = try await PostgresStore.open(cluster.database, ownership: .shared)
            let drained = ContinuousClock.now + .seconds(30)
            while try await checkStore.outboxCount() > 0, ContinuousClock.now < drained { try await Task.sleep(for: .milliseconds(200)) }
            await checkStore.close()
            let didNotStop = await cluster.stopAll()

            var summaries: [String] = []
            var refusals: [Int] = []
            for index in 0..<Self.processes {
                let log = cluster.currentLog(index)
                let stopped = log.split(separator: "\n").last { $0.contains("stopped") }.map(String.init) ?? ""
                refusals.append(Self.counter("commitsRefusedStale", in: stopped) ?? -1)
                summaries.append("process \(index + 1) (last life): messages \(Self.counter("messagesProcessed", in: stopped) ?? -1), stale refusals \(refusals[index])")
            }

            if cluster.brokerAbortedByKnownMockDefect != nil { return nil }
            let database = cluster.database
            let report = try await FaultChecker(kafka: kafka) { try await PostgresStore.open(database, ownership: .shared) }
                .check(scenario: "three processes on PostgreSQL", workflowId: "scale", taskTypes: ["scale.work"], crashes: acts.count)
            print("scale-out chaos: \(acts.count) acts in \(finished): \(acts)")
            print("scale-out chaos: \(summaries.joined(separator: "; "))")
            print("scale-out chaos: \(report)")
            return Outcome(report: report, acts: acts, disconnected: disconnected, didNotStop: didNotStop, refusals: refusals, summaries: summaries)
        }

        /// `name=value` from a log line's metadata.
        static func counter(_ name: String, in line: String) -> Int? {
            guard let range = line.range(of: "\(name)=") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }
}
