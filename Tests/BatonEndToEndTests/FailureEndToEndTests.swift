import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonServer
import BatonStore
import Foundation
import Testing

extension EndToEnd {
    /// Retries, time and dead-letter redrive through the real Kafka protocol, SQLite and timers.
    @Suite("Failures end to end", .serialized, .timeLimit(.minutes(2)))
    struct FailureEndToEndTests {
        static let flaky = """
            id: flaky
            steps:
              - id: call
                type: task
                taskType: flaky.call
                retry: { maxAttempts: 3, initialInterval: 200ms }
            """

        @Test(arguments: StoreKind.allCases) func aRetryableFailureIsRetriedOnATimerAndTheLifecycleValidates(_ store: StoreKind) async throws {
            // The worker fails every first attempt with a retryable error and completes the second.
            let worker: ExampleWorker.Behaviour = { task in
                task.attempt == 1
                    ? TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed, error: ErrorInfo(code: "UNAVAILABLE", message: "try again", retryable: true))
                    : TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: ["attempt": .number(Double(task.attempt))])
            }
            try await withHarness(worker: worker, definitions: [Self.flaky], store: store) { h in
                let started = try await h.http("POST", "/v1/workflows/flaky/instances", body: "{}")
                let id = try #require(started.json["id"]?.stringValue)
                let done = try await h.waitForEnd(id)
                #expect(done.status == .completed)
                #expect(done.output == ["attempt": 2])
                let requests = try await h.readAll(h.topics.tasks("flaky.call"), atLeast: 2)
                let tasks = try requests.map { try TaskRequestCodec.decode($0.value) }
                #expect(tasks.map(\.attempt) == [1, 2])
                #expect(Set(tasks.map(\.taskId)).count == 2)
                let lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: 6)
                let types = try lifecycle.map { try JSONValue.parse($0.value)["type"]?.stringValue ?? "" }
                #expect(types == ["workflow.started", "step.scheduled", "step.retrying", "step.scheduled", "step.completed", "workflow.completed"])
                try validateAgainstSchema("lifecycle-event.schema.json", values: lifecycle.map(\.value))
                #expect(h.orchestrator.counters.timersFired == 1)
            }
        }

        @Test func aDeadLetteredTriggerIsRedrivenAfterItsDefinitionIsRegistered() async throws {
            try await withHarness { h in
                let event = #"{"specversion":"1.0","id":"late-1","source":"shop","type":"com.example.order.late","data":{"name":"Ada"}}"#
                try await h.produce([KafkaRecord(topic: h.topics.triggers, key: Array("late-1".utf8), value: Array(event.utf8))])
                try await h.waitUntil("the trigger to be dead-lettered") { try await h.service.deadLetters(DeadLetterQuery()).count == 1 }
                let dead = try await h.service.deadLetters(DeadLetterQuery())[0]
                #expect(dead.reason == "NO_MATCHING_TRIGGER")

                // The fix: a definition that listens for it. Then redrive through the API.
                _ = try await h.orchestrator.registerDefinition(text: """
                    id: late
                    triggers: [{ type: com.example.order.late }]
                    steps:
                      - { id: compose, type: task, taskType: greeting.compose, input: { name: "${ $.input.name }" } }
                    """)
                let redriven = try await h.http("POST", "/v1/dead-letters/\(dead.id)/redrive", body: "{}", headers: ["X-Baton-Actor": "ops"])
                #expect(redriven.status == 200)
                try await h.waitUntil("the redriven trigger's workflow to complete") {
                    try await h.service.instances(InstanceQuery(workflowId: "late", status: .completed)).instances.count == 1
                }
                // The copy went back to the triggers topic with the redrive headers.
                let triggers = try await h.readAll(h.topics.triggers, atLeast: 2)
                let copy = try #require(triggers.last)
                #expect(copy.value == Array(event.utf8))
                #expect(copy.headers.contains(KafkaHeader(key: "baton-redrive-of", value: Array(String(dead.id).utf8))))
                let left = try await h.service.deadLetters(DeadLetterQuery(pending: true))
                #expect(left.isEmpty, "\(left.map { "\($0.reason): \($0.message) from \($0.sourceTopic)" })")
            }
        }

        @Test func theSameResultWithADifferentPayloadIsDeadLetteredAsAConflict() async throws {
            try await withHarness(worker: nil) { h in
                let started = try await h.http("POST", "/v1/workflows/greet/instances", body: #"{"name":"Ada"}"#)
                let id = try #require(started.json["id"]?.stringValue)
                let request = try await h.readAll(h.topics.tasks("greeting.compose"), atLeast: 1)[0]
                let task = try TaskRequestCodec.decode(request.value)
                func result(_ message: String) -> KafkaRecord {
                    let wire = TaskResultCodec.encode(
                        TaskResult(taskId: task.taskId, instanceId: id, stepId: task.stepId, attempt: 1, status: .completed, output: ["message": .string(message)]),
                        topics: h.topics)
                    return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
                }
                try await h.produce([result("Hello, Ada!"), result("Hello, Ada!"), result("Goodbye, Ada!")])
                try await h.waitUntil("the conflicting result in the DLQ") { try await h.service.deadLetters(DeadLetterQuery(reason: "CONFLICT")).count == 1 }
                let instance = try await h.service.instance(id: id)
                #expect(instance.root.steps["compose"]?.output == ["message": "Hello, Ada!"])
                let conflict = try await h.service.deadLetters(DeadLetterQuery(reason: "CONFLICT"))[0]
                #expect(try JSONValue.parse(conflict.value)["output"]?["message"] == "Goodbye, Ada!")
                // The identical duplicate is only ignored, not dead-lettered; the history says which is which.
                #expect(try await h.service.deadLetters(DeadLetterQuery()).count == 1)
                let ignored = try await h.service.history(instanceId: id, afterSequence: 0, limit: 100).filter { $0.type == .inputIgnored }
                #expect(ignored.compactMap { $0.data["reason"]?.stringValue } == ["DUPLICATE_RESULT", "CONFLICTING_RESULT"])
            }
        }
    }
}
