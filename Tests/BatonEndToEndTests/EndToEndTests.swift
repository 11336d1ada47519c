import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonRuntime
import BatonServer
import BatonStore
import Foundation
import Synchronization
import Testing

extension EndToEnd {
    @Suite("End to end over the embedded broker", .serialized, .timeLimit(.minutes(2)))
    struct EndToEndTests {
        @Test(arguments: StoreKind.allCases) func aWorkflowStartedByRESTCompletesThroughAWorker(_ store: StoreKind) async throws {
            try await withHarness(store: store) { h in
                let started = try await h.http("POST", "/v1/workflows/greet/instances", body: #"{"name":"Ada"}"#)
                #expect(started.status == 201)
                let id = try #require(started.json["id"]?.stringValue)
                let done = try await h.waitForEnd(id)
                #expect(done.status == .completed)
                #expect(done.output == ["message": "Hello, Ada!"])
            }
        }

        @Test(arguments: StoreKind.allCases) func aTriggerEventInStructuredModeStartsItsWorkflowOnceEvenWhenDeliveredTwice(_ store: StoreKind) async throws {
            try await withHarness(store: store) { h in
                let event = #"{"specversion":"1.0","id":"order-1","source":"shop","type":"com.example.order.created","data":{"sku":"book","quantity":2,"amount":42}}"#
                let record = KafkaRecord(topic: h.topics.triggers, key: Array("order-1".utf8), value: Array(event.utf8))
                try await h.produce([record, record])
                try await h.waitUntil("the order workflow to complete") {
                    try await h.service.instances(InstanceQuery(workflowId: "orders", status: .completed)).instances.count == 1
                }
                try await Task.sleep(for: .milliseconds(300))
                let all = try await h.service.instances(InstanceQuery(workflowId: "orders"))
                #expect(all.instances.count == 1)
                #expect(all.instances[0].output?["receipt"]?.stringValue?.hasPrefix("rcpt-") == true)
                #expect(h.orchestrator.counters.triggersDeduplicated == 1)
            }
        }

        @Test func aBinaryModeTriggerTakesTheConditionalBranch() async throws {
            try await withHarness { h in
                let headers = [
                    KafkaHeader(key: "ce_specversion", value: Array("1.0".utf8)), KafkaHeader(key: "ce_id", value: Array("order-2".utf8)),
                    KafkaHeader(key: "ce_source", value: Array("shop".utf8)), KafkaHeader(key: "ce_type", value: Array("com.example.order.created".utf8)),
                    KafkaHeader(key: "content-type", value: Array("application/json".utf8)),
                ]
                // 50 units are more than the example inventory has: the default branch fails the workflow.
                try await h.produce([KafkaRecord(topic: h.topics.triggers, key: nil, value: Array(#"{"sku":"piano","quantity":50,"amount":9}"#.utf8), headers: headers)])
                try await h.waitUntil("the order workflow to fail") {
                    try await h.service.instances(InstanceQuery(workflowId: "orders", status: .failed)).instances.count == 1
                }
                let failed = try await h.service.instances(InstanceQuery(workflowId: "orders", status: .failed)).instances[0]
                #expect(failed.error?.code == "OUT_OF_STOCK")
                #expect(failed.error?.message == "sku piano is out of stock")
                #expect(failed.root.steps["charge"] == nil)
            }
        }

        @Test(arguments: StoreKind.allCases) func everyPublishedMessageValidatesAgainstItsSchema(_ store: StoreKind) async throws {
            try await withHarness(store: store) { h in
                var ids: [String] = []
                for name in ["Ada", "Grace", "Edsger"] {
                    let started = try await h.http("POST", "/v1/workflows/greet/instances", body: #"{"name":"\#(name)"}"#)
                    ids.append(try #require(started.json["id"]?.stringValue))
                }
                for id in ids { _ = try await h.waitForEnd(id) }
                let requests = try await h.readAll(h.topics.tasks("greeting.compose"), atLeast: 3)
                let lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: 3 * 6)
                try validateAgainstSchema("task-request.schema.json", values: requests.map(\.value))
                try validateAgainstSchema("lifecycle-event.schema.json", values: lifecycle.map(\.value))
                // Keys are instance ids, and lifecycle ids are unique.
                #expect(Set(requests.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } }) == Set(ids))
                let eventIds = lifecycle.compactMap { try? JSONValue.parse($0.value)["id"]?.stringValue }
                #expect(Set(eventIds).count == eventIds.count)
                // Each instance's lifecycle events arrive in order.
                for id in ids {
                    let types = lifecycle.filter { $0.key == Array(id.utf8) }.compactMap { try? JSONValue.parse($0.value)["type"]?.stringValue }
                    #expect(types == ["workflow.started", "step.scheduled", "step.completed", "step.scheduled", "step.completed", "workflow.completed"])
                }
            }
        }

        @Test func duplicateAndStaleResultsAreIgnoredAndRecorded() async throws {
            // A worker that answers every task three times and also sends a result for a task id that never existed.
            try await withHarness(worker: nil) { h in
                let started = try await h.http("POST", "/v1/workflows/greet/instances", body: #"{"name":"Ada"}"#)
                let id = try #require(started.json["id"]?.stringValue)
                for step in 0..<2 {
                    let requests = try await h.readAll(h.topics.tasks(step == 0 ? "greeting.compose" : "text.upper"), atLeast: 1)
                    let task = try TaskRequestCodec.decode(requests[0].value)
                    let reply = TaskResultCodec.encode(ExampleWorker.echoBehaviour(task)!, topics: h.topics)
                    var stale = ExampleWorker.echoBehaviour(task)!
                    stale.taskId = "\(id).999"
                    let staleWire = TaskResultCodec.encode(stale, topics: h.topics)
                    let record = KafkaRecord(topic: reply.topic, key: reply.key, value: reply.value)
                    try await h.produce([record, record, KafkaRecord(topic: staleWire.topic, key: staleWire.key, value: staleWire.value), record])
                    if step == 0 {
                        try await h.waitUntil("the second task") { try await h.service.instance(id: id).root.steps["shout"] != nil }
                    }
                }
                let done = try await h.waitForEnd(id)
                #expect(done.status == .completed)
                try await Task.sleep(for: .milliseconds(300))
                let history = try await h.service.history(instanceId: id, afterSequence: 0, limit: 1000)
                let applied = history.filter { $0.type == .taskCompleted }
                #expect(applied.count == 2)
                #expect(Set(applied.compactMap(\.taskId)).count == 2)
                let ignored = history.filter { $0.type == .inputIgnored }.compactMap { $0.data["reason"]?.stringValue }.sorted()
                #expect(ignored == ["DUPLICATE_RESULT", "DUPLICATE_RESULT", "INSTANCE_FINISHED", "INSTANCE_FINISHED", "INSTANCE_FINISHED", "STALE_ATTEMPT"])
            }
        }

        @Test func poisonMessagesGoToTheDeadLetterTopicAndTheNextGoodMessageIsProcessed() async throws {
            try await withHarness { h in
                let poison: [KafkaRecord] = [
                    KafkaRecord(topic: h.topics.taskResults, key: Array("k".utf8), value: Array("not json at all".utf8), headers: [KafkaHeader(key: "trace", value: Array("t-1".utf8))]),
                    KafkaRecord(topic: h.topics.taskResults, key: nil, value: Array(#"{"taskId":"x","instanceId":"nope","stepId":"s","attempt":1,"status":"completed"}"#.utf8)),
                    KafkaRecord(topic: h.topics.taskResults, key: nil, value: Array(#"{"taskId":"x","instanceId":"nope","stepId":"s","attempt":"one","status":"completed"}"#.utf8)),
                    KafkaRecord(topic: h.topics.triggers, key: nil, value: [0xff, 0xfe, 0x00]),
                    KafkaRecord(topic: h.topics.triggers, key: nil, value: Array(#"{"specversion":"1.0","id":"u-1","source":"s","type":"nobody.listens"}"#.utf8)),
                    KafkaRecord(topic: h.topics.triggers, key: nil, value: Array(String(repeating: "x", count: 100_000).utf8)),
                ]
                let good = KafkaRecord(topic: h.topics.triggers, key: nil, value: Array(#"{"specversion":"1.0","id":"order-9","source":"shop","type":"com.example.order.created","data":{"sku":"pen","quantity":1,"amount":2}}"#.utf8))
                try await h.produce(poison + [good])
                try await h.waitUntil("the good order to complete") {
                    try await h.service.instances(InstanceQuery(workflowId: "orders", status: .completed)).instances.count == 1
                }
                let dead = try await h.readAll(h.topics.deadLetters, atLeast: poison.count)
                #expect(dead.count == poison.count)
                func header(_ m: KafkaMessage, _ key: String) -> String? {
                    m.headers.first { $0.key == key }?.value.map { String(decoding: $0, as: UTF8.self) }
                }
                let reasons = dead.compactMap { header($0, DeadLetterCodec.reasonHeader) }.sorted()
                #expect(reasons == ["MALFORMED", "MALFORMED", "NO_MATCHING_TRIGGER", "OVERSIZED", "SCHEMA_VIOLATION", "UNKNOWN_INSTANCE"])
                let notJSON = try #require(dead.first { $0.value == Array("not json at all".utf8) })
                #expect(notJSON.key == Array("k".utf8))
                #expect(header(notJSON, "trace") == "t-1")
                #expect(header(notJSON, DeadLetterCodec.topicHeader) == h.topics.taskResults)
                #expect(header(notJSON, DeadLetterCodec.offsetHeader) != nil)
                #expect(header(notJSON, DeadLetterCodec.messageHeader)?.contains("JSON") == true)
            }
        }
    }
}
