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
    /// A task type's circuit breaker through real Kafka: failures open it, new requests of the
    /// type are held (steps SCHEDULED, nothing on the task topic), a probe goes out after the
    /// cool-down, its success closes it and the held requests go out; the changes are announced
    /// on the lifecycle topic and shown by `GET /v1/circuits`.
    @Suite struct CircuitBreakerEndToEndTests {
        static let charge = """
            id: charge
            steps:
              - { id: charge, type: task, taskType: payment.charge }
            """

        @Test(.timeLimit(.minutes(3)))
        func failuresOpenTheBreakerHoldRequestsAndAProbeClosesIt() async throws {
            let failing = Locked(true)
            let worker: ExampleWorker.Behaviour = { task in
                if failing.withLock({ $0 }) {
                    return TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed,
                                      error: ErrorInfo(code: "UNAVAILABLE", message: "payment provider down", retryable: true), workerId: "flaky")
                }
                return ExampleWorker.echoBehaviour(task)
            }
            let policy = BreakerPolicy(failures: 3, windowMilliseconds: 30_000, coolDownMilliseconds: 3_000)
            try await withHarness(worker: worker, definitions: [Self.charge], configure: { $0.breakers = BreakerSettings(defaultPolicy: policy) }) { h in
                func start() async throws -> String { try await h.service.startInstance(workflowId: "charge", version: nil, input: [:], idempotencyKey: nil).instance.id }
                for _ in 0..<3 { #expect(try await h.waitForEnd(try await start()).status == .failed) }
                try await h.waitUntil("the breaker opens") { h.orchestrator.breakers.records.first?.state == .open }

                // Held: RUNNING with the step SCHEDULED, and not on the task topic.
                var held: [String] = []
                for _ in 0..<4 { held.append(try await start()) }
                for id in held {
                    let instance = try await h.service.instance(id: id)
                    #expect(instance.status == .running)
                    #expect(instance.root.steps["charge"]?.status == .scheduled)
                }
                let circuits = try await h.http("GET", "/v1/circuits")
                #expect(circuits.json["items"]?[0]?["state"] == "OPEN")
                #expect(circuits.json["items"]?[0]?["held"] == 4)

                // The provider is back (before the cool-down ends): one probe goes, closes it, the rest follow.
                failing.withLock { $0 = false }
                #expect(h.orchestrator.breakers.records.first?.state == .open, "checked within the cool-down")
                for id in held { #expect(try await h.waitForEnd(id, timeout: .seconds(30)).status == .completed) }
                #expect(h.orchestrator.breakers.records.first?.state == .closed)
                #expect(try await h.readAll(h.topics.tasks("payment.charge"), atLeast: 7).count == 7, "each request published once: 3 failed, 4 held then sent")

                let lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: 30)
                let circuitEvents = lifecycle.compactMap { message -> String? in
                    guard let type = try? JSONValue.parse(message.value)["type"]?.stringValue, type.hasPrefix("tasktype.") else { return nil }
                    return type
                }
                #expect(circuitEvents == ["tasktype.circuit_opened", "tasktype.circuit_closed"])
                let metrics = try await h.http("GET", "/metrics")
                #expect(metrics.json.stringValue?.contains("baton_circuit_state{task_type=\"payment.charge\"} 0") == true)
            }
        }
    }
}

extension EndToEnd {
    /// The producer's breaker: with the cluster unreachable, publication rounds fail (each after
    /// `message.timeout.ms`); after three in a row the process reports not ready and pauses its
    /// trigger topic; when the cluster is back the first round that works closes it, and every
    /// task request written meanwhile goes out.
    @Suite struct ProducerBreakerEndToEndTests {
        @Test(.timeLimit(.minutes(3)))
        func failedRoundsOpenTheProducersCircuitAndADeliveredOneClosesIt() async throws {
            try await withHarness(worker: nil, definitions: [CircuitBreakerEndToEndTests.charge], configure: { $0.kafka.properties["message.timeout.ms"] = "1000" }) { h in
                h.broker.setUnreachable(true)
                var ids: [String] = []
                for _ in 0..<5 { ids.append(try await h.service.startInstance(workflowId: "charge", version: nil, input: [:], idempotencyKey: nil).instance.id) }
                try await h.waitUntil("the producer's circuit opens", timeout: .seconds(30)) {
                    await h.service.notReadyReason()?.contains("producer circuit: open after 3 failures") == true
                }
                try await h.waitUntil("intake pauses") { h.app.consumer.pausedTopics.contains(h.topics.triggers) }
                let metrics = try await h.http("GET", "/metrics")
                #expect(metrics.json.stringValue?.contains("baton_ready 0") == true)

                h.broker.setUnreachable(false)
                try await h.waitUntil("the circuit closes and intake resumes", timeout: .seconds(30)) {
                    await h.service.notReadyReason()?.contains("producer circuit") != true && !h.app.consumer.pausedTopics.contains(h.topics.triggers)
                }
                let requests = try await h.readAll(h.topics.tasks("payment.charge"), atLeast: 5)
                #expect(Set(requests.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } }) == Set(ids), "every request written while the circuit was open went out")
            }
        }
    }
}
