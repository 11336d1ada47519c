import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import BatonStore
import Foundation
import Testing

extension EndToEnd {
    /// W3C Trace Context through real Kafka records: from a trigger's CloudEvents extension, a
    /// REST request's header and a parent workflow onto every task request and lifecycle event,
    /// and back from a worker's result into the history.
    @Suite struct TraceContextEndToEndTests {
        static let traced = """
            id: traced
            triggers: [{ type: com.example.traced }]
            steps:
              - { id: call, type: task, taskType: traced.call, next: child }
              - { id: child, type: subworkflow, workflow: traced-child }
            """
        static let child = """
            id: traced-child
            steps:
              - { id: work, type: task, taskType: traced.child }
            """
        static let callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

        func header(_ message: KafkaMessage, _ name: String) -> String? {
            message.headers.last { $0.key == name }.map { String(decoding: $0.value ?? [], as: UTF8.self) }
        }

        @Test func aTriggersTraceReachesEveryTaskRequestLifecycleEventAndChild() async throws {
            let worker: ExampleWorker.Behaviour = { task in
                TaskResult(taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .completed, output: [:])
            }
            try await withHarness(worker: worker, definitions: [Self.child, Self.traced]) { h in
                let event = """
                    {"specversion":"1.0","id":"t-1","source":"shop","type":"com.example.traced","data":{},
                     "traceparent":"00-\(Self.callerTrace)-00f067aa0ba902b7-01","tracestate":"rojo=00f067aa0ba902b7"}
                    """
                try await h.produce([KafkaRecord(topic: h.topics.triggers, key: Array("t-1".utf8), value: Array(event.utf8))])
                try await h.waitUntil("the traced workflow to complete") {
                    try await h.service.instances(InstanceQuery(workflowId: "traced", status: .completed)).instances.count == 1
                }
                let id = try #require(try await h.service.instances(InstanceQuery(workflowId: "traced")).instances.first?.id)
                let view = try await h.http("GET", "/v1/instances/\(id)")
                #expect(view.json["traceparent"] == .string("00-\(Self.callerTrace)-\(TraceContext.workflowSpan(id))-01"))

                let request = try #require(try await h.readAll(h.topics.tasks("traced.call")).first)
                let task = try TaskRequestCodec.decode(request.value)
                #expect(header(request, "traceparent") == "00-\(Self.callerTrace)-\(TraceContext.taskSpan(id, task.taskId))-01")
                #expect(header(request, "tracestate") == "rojo=00f067aa0ba902b7")
                // The child workflow's task is in the same trace.
                let childRequest = try #require(try await h.readAll(h.topics.tasks("traced.child")).first)
                let childTask = try TaskRequestCodec.decode(childRequest.value)
                #expect(header(childRequest, "traceparent") == "00-\(Self.callerTrace)-\(TraceContext.taskSpan(childTask.instanceId, childTask.taskId))-01")
                // Every lifecycle event of both instances: the caller's trace, a task's span for step events.
                let lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: 8)
                #expect(Set(lifecycle.compactMap { try? JSONValue.parse($0.value)["data"]?["instanceId"]?.stringValue }).count == 2)
                var stepEvents = 0
                for message in lifecycle {
                    let parent = try #require(header(message, "traceparent"))
                    #expect(parent.hasPrefix("00-\(Self.callerTrace)-"), "\(parent)")
                    let json = try JSONValue.parse(message.value)
                    if let taskId = json["data"]?["taskId"]?.stringValue, let instanceId = json["data"]?["instanceId"]?.stringValue {
                        #expect(parent == "00-\(Self.callerTrace)-\(TraceContext.taskSpan(instanceId, taskId))-01")
                        stepEvents += 1
                    }
                }
                #expect(stepEvents >= 4)
            }
        }

        @Test func aRestStartJoinsTheCallersTraceAndTheWorkersSpanIsKept() async throws {
            try await withHarness(worker: nil, definitions: [Self.child, Self.traced]) { h in
                let started = try await h.http("POST", "/v1/workflows/traced/instances", body: "{}", headers: ["traceparent": "00-\(Self.callerTrace)-00f067aa0ba902b7-00"])
                let id = try #require(started.json["id"]?.stringValue)
                #expect(started.json["traceparent"] == .string("00-\(Self.callerTrace)-\(TraceContext.workflowSpan(id))-00"))
                let request = try #require(try await h.readAll(h.topics.tasks("traced.call")).first)
                let task = try TaskRequestCodec.decode(request.value)
                #expect(header(request, "traceparent") == "00-\(Self.callerTrace)-\(TraceContext.taskSpan(id, task.taskId))-00")

                // The worker answers with its own span as traceparent: the history keeps it.
                let workerSpan = "00-\(Self.callerTrace)-b7ad6b7169203331-00"
                let result = TaskResultCodec.encode(
                    TaskResult(taskId: task.taskId, instanceId: id, stepId: task.stepId, attempt: task.attempt, status: .completed, output: [:]), topics: h.topics)
                try await h.produce([KafkaRecord(topic: result.topic, key: result.key, value: result.value, headers: [KafkaHeader(key: "traceparent", value: Array(workerSpan.utf8))])])
                try await h.waitUntil("the result to be applied") {
                    try await h.service.history(instanceId: id, afterSequence: 0, limit: 100).contains { $0.type == .taskCompleted }
                }
                let completed = try #require(try await h.service.history(instanceId: id, afterSequence: 0, limit: 100).first { $0.type == .taskCompleted })
                #expect(completed.data["traceparent"] == .string(workerSpan))

                // Without a caller's context the workflow begins a trace of its own, derived from its id.
                let plain = try await h.http("POST", "/v1/workflows/traced/instances", body: "{}", headers: ["traceparent": "not-a-traceparent"])
                let plainId = try #require(plain.json["id"]?.stringValue)
                #expect(plain.json["traceparent"] == .string(TraceContext.begun(for: plainId).traceparent(spanId: TraceContext.workflowSpan(plainId))))
            }
        }
    }
}
