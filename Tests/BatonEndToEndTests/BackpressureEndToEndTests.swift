import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import BatonStore
import Foundation
import Testing

extension EndToEnd {
    /// Concurrency limits and intake through real Kafka: a limited workflow runs one instance at
    /// a time, the rest wait QUEUED; when the queue is full the trigger topic is paused (the
    /// triggers wait in Kafka, not in the store) and resumed as the queue drains; every trigger
    /// runs, in order.
    @Suite struct BackpressureEndToEndTests {
        static let gated = """
            id: gated
            maxConcurrent: 1
            triggers: [{ type: com.example.gated }]
            steps:
              - { id: work, type: task, taskType: gated.work }
            """

        func trigger(_ n: Int, _ topics: TopicNames) -> KafkaRecord {
            // One key: one partition, so the triggers are read in the order they were sent.
            let wire = CloudEventCodec.encodeStructured(CloudEvent(id: "g-\(n)", source: "test", type: "com.example.gated", data: ["n": .number(Double(n))]), topic: topics.triggers, key: Array("gated".utf8))
            return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
        }

        func completion(of instance: String, _ topics: TopicNames) -> KafkaRecord {
            let wire = TaskResultCodec.encode(TaskResult(taskId: "\(instance).1", instanceId: instance, stepId: "work", attempt: 1, status: .completed, output: ["done": true]), topics: topics)
            return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
        }

        @Test(.timeLimit(.minutes(3)))
        func aFullQueuePausesTheTriggerTopicUntilItDrainsAndEveryTriggerRunsInOrder() async throws {
            try await withHarness(worker: nil, definitions: [Self.gated], configure: { $0.limits.maxQueued = 3 }) { h in
                for n in 0..<12 {
                    try await h.produce([trigger(n, h.topics)])
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await h.waitUntil("the trigger topic is paused") { h.app.consumer.pausedTopics.contains(h.topics.triggers) }
                try await Task.sleep(for: .seconds(1))
                let stored = try await h.service.instances(InstanceQuery(limit: 100)).instances
                #expect(stored.count < 12, "the triggers past the full queue wait in Kafka: \(stored.count) instances stored")
                #expect(stored.filter { $0.status == .running }.count == 1)
                let metrics = try await h.http("GET", "/metrics")
                #expect(metrics.json.stringValue?.contains("baton_intake_paused 1") == true)

                // Work them off one at a time: each completion frees the slot for the next.
                var finished: [Int] = []
                while finished.count < 12 {
                    var running: WorkflowInstance?
                    try await h.waitUntil("instance \(finished.count + 1) runs", timeout: .seconds(30)) {
                        running = try await h.service.instances(InstanceQuery(status: .running, limit: 10)).instances.first
                        return running != nil
                    }
                    let id = running!.id
                    try await h.produce([completion(of: id, h.topics)])
                    let ended = try await h.waitForEnd(id)
                    #expect(ended.status == .completed)
                    finished.append(ended.input["n"]?.intValue ?? -1)
                }
                #expect(finished == Array(0..<12), "started in the order the triggers were sent")
                try await h.waitUntil("the trigger topic is resumed") { !h.app.consumer.pausedTopics.contains(h.topics.triggers) }
            }
        }
    
        static let paced = """
            id: paced
            steps:
              - { id: call, type: task, taskType: paced.call }
            """

        /// Requests of a rate-limited task type reach Kafka at its rate, whatever the starts do.
        @Test(.timeLimit(.minutes(2)))
        func aRateLimitedTaskTypeIsDispatchedAtItsRate() async throws {
            try await withHarness(worker: ExampleWorker.echoBehaviour, definitions: [Self.paced], configure: { $0.taskRates = ["paced.call": 4] }) { h in
                var ids: [String] = []
                for _ in 0..<12 {
                    ids.append(try await h.service.startInstance(workflowId: "paced", version: nil, input: [:], idempotencyKey: nil).instance.id)
                }
                for id in ids { #expect(try await h.waitForEnd(id, timeout: .seconds(30)).status == .completed) }
                let requests = try await h.readAll(h.topics.tasks("paced.call"), atLeast: 12)
                let times = requests.compactMap(\.timestamp).sorted()
                #expect(times.count == 12)
                // A burst of 4 (one second's worth), then 4 a second: the 12th goes out 2 s after
                // the first at the earliest. Unlimited, all 12 go within milliseconds.
                let span = (times.last ?? 0) - (times.first ?? 0)
                #expect(span >= 1_800, "12 requests at 4/s went out within \(span) ms")
                for (index, time) in times.enumerated() {
                    let inOneSecond = times[index...].prefix { $0 < time + 1_000 }.count
                    #expect(inOneSecond <= 8, "\(inOneSecond) requests within one second from \(time)")
                }
            }
        }
    }
}
