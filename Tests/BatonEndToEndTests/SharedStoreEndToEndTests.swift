import BatonCore
import BatonExpressions
import BatonKafka
import BatonRuntime
import BatonServer
import BatonStore
import BatonTestSupport
import Foundation
import Logging
import Testing

/// Two Baton processes (two whole applications in this test process, each with its own pool,
/// consumers and producer) on one PostgreSQL database and one consumer group.
@Suite("Two processes on one PostgreSQL", .serialized)
struct SharedStoreEndToEndTests {
    static let definition = """
        id: relay
        triggers:
          - type: com.example.relay.requested
        steps:
          - {id: first, type: task, taskType: relay.first, next: second}
          - {id: second, type: task, taskType: relay.second, retry: {maxAttempts: 3, initialInterval: 50ms}}
        """

    /// A definition registered through the second process becomes known to the first within a
    /// second, so its triggers start instances wherever Kafka delivers them; every instance ends
    /// once, each instance's lifecycle events keep their order, and the outbox empties, with the
    /// outbox shards split between the two.
    @Test func twoProcessesShareTriggersResultsAndTheOutbox() async throws {
        // Half of the second steps fail once, so retries (timers) are fired across processes too.
        let failedOnce = Locked<Set<String>>([])
        let behaviour: ExampleWorker.Behaviour = { task in
            if task.taskType == "relay.second", task.input["n"]?.doubleValue.map({ Int($0) % 2 == 0 }) == true,
               failedOnce.withLock({ $0.insert(task.instanceId).inserted }) {
                return TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed,
                                  error: ErrorInfo(code: "FLAKY", message: "first try fails", retryable: true), workerId: "e2e")
            }
            return TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: task.input, workerId: "e2e")
        }
        // Registered through the first process only so the task topics exist before the test's
        // worker subscribes (see Harness.start).
        let topicsFirst = "id: warmup\nsteps:\n  - {id: a, type: task, taskType: relay.first}\n  - {id: b, type: task, taskType: relay.second}\n"
        try await withHarness(worker: behaviour, definitions: [topicsFirst], store: .postgres) { h in
            let peer = try await h.startPeer()
            do {
                _ = try await peer.app.orchestrator.registerDefinition(text: Self.definition)
                // Triggers start instances in the process that consumes them, so the first
                // process must know the definition (its watcher polls every 500 ms; the promise is
                // one second, the bound here is looser for a loaded CI machine).
                let registered = ContinuousClock.now
                try await h.waitUntil("the first process to learn the definition", timeout: .seconds(10)) { h.orchestrator.knownLatestVersion(of: "relay") == 1 }
                let learnedAfter = ContinuousClock.now - registered
                print("definition registered through process 2 known to process 1 after \(learnedAfter)")
                #expect(learnedAfter < .seconds(3))

                let count = 300
                var records: [KafkaRecord] = []
                for n in 0..<count {
                    let event = #"{"specversion":"1.0","id":"relay-\#(n)","source":"e2e","type":"com.example.relay.requested","data":{"n":\#(n)}}"#
                    records.append(KafkaRecord(topic: h.topics.triggers, key: Array("relay-\(n)".utf8), value: Array(event.utf8)))
                }
                try await h.produce(records)
                do {
                    try await h.waitUntil("every relay instance to complete", timeout: .seconds(60)) {
                        try await h.service.instances(InstanceQuery(workflowId: "relay", status: .completed, limit: 1000)).instances.count == count
                    }
                } catch {
                    let statuses = Dictionary(grouping: try await h.service.instances(InstanceQuery(workflowId: "relay", limit: 1000)).instances, by: \.status).mapValues(\.count)
                    let outbox = try await h.app.store.outboxCount()
                    print("not all ended: \(statuses); outbox \(outbox); counters \(h.orchestrator.counters) / \(peer.app.orchestrator.counters); shards \(h.app.outboxLeases?.current().count ?? -1) + \(peer.app.outboxLeases?.current().count ?? -1)")
                    throw error
                }
                let all = try await h.service.instances(InstanceQuery(workflowId: "relay", limit: 1000)).instances
                #expect(all.count == count, "one instance per trigger: \(all.count)")

                try await h.waitUntil("the outbox to empty", timeout: .seconds(30)) { try await h.app.store.outboxCount() == 0 }
                // Read until every instance's terminal event is there (the count per instance
                // varies with its retry).
                var lifecycle: [KafkaMessage] = []
                var seen: Set<String> = []
                var terminal: [String: Int] = [:]
                var outOfOrder = 0
                let readBy = ContinuousClock.now + .seconds(30)
                repeat {
                    lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: max(count * 6, lifecycle.count + 1), timeout: .seconds(10))
                    seen = []
                    terminal = [:]
                    outOfOrder = 0
                    var last: [String: Int] = [:]
                    for message in lifecycle {
                        let event = try JSONValue.parse(message.value)
                        guard let id = event["id"]?.stringValue, let subject = event["subject"]?.stringValue, seen.insert(id).inserted else { continue }
                        let n = Int(id.split(separator: ".").last ?? "") ?? -1
                        if n <= last[subject, default: 0] { outOfOrder += 1 }
                        last[subject] = n
                        if event["type"] == "workflow.completed" { terminal[subject, default: 0] += 1 }
                    }
                } while terminal.count < count && ContinuousClock.now < readBy
                let duplicates = lifecycle.count - seen.count
                let a = h.orchestrator.counters
                let b = peer.app.orchestrator.counters
                let shards = (h.app.outboxLeases?.current().count ?? 0, peer.app.outboxLeases?.current().count ?? 0)
                print("""
                    two processes: \(count) instances; messages processed \(a.messagesProcessed) + \(b.messagesProcessed); \
                    stale refusals \(a.commitsRefusedStale) + \(b.commitsRefusedStale); timers fired \(a.timersFired) + \(b.timersFired); \
                    outbox shards \(shards.0) + \(shards.1); lifecycle events \(seen.count) (+\(duplicates) duplicate deliveries), out of order \(outOfOrder)
                    """)
                #expect(outOfOrder == 0)
                #expect(terminal.count == count && terminal.values.allSatisfy { $0 == 1 }, "one terminal event per instance")
                #expect(a.messagesProcessed > 0 && b.messagesProcessed > 0, "both processes took inputs")
                #expect(shards.0 + shards.1 == OutboxShards.count && shards.0 > 0 && shards.1 > 0, "\(shards)")
                #expect(a.timersFired + b.timersFired == count / 2, "each retry timer fired once")
            } catch {
                await peer.stop()
                throw error
            }
            await peer.stop()
        }
    }
}

/// A second Baton on a harness's broker and PostgreSQL database, in the same consumer group.
struct Peer {
    let app: BatonApplication
    let runner: Task<Void, any Error>

    func stop() async {
        runner.cancel()
        _ = try? await runner.value
        await app.store.close()
    }
}

extension Harness {
    func startPeer() async throws -> Peer {
        let app = try await buildApplication(app.configuration, provisioner: EmbeddedTopicProvisioner(broker: broker, partitions: 4), logger: logger)
        let runner = Task { try await app.run(signals: []) }
        let deadline = ContinuousClock.now + .seconds(60)
        // Joined: the group has given it partitions (and, the rebalance done, the first process too).
        while await app.service.notReadyReason() != nil || !app.consumer.hasAssignment || !self.app.consumer.hasAssignment {
            if ContinuousClock.now > deadline { throw HarnessError("the second process did not become ready within 60 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Peer(app: app, runner: runner)
    }
}
