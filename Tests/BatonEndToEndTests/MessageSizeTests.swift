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
    /// One size budget at every entry point, so nothing Baton accepts becomes a message it cannot
    /// publish: the harness's records may have 64 KiB (the producer's `message.max.bytes`), inputs
    /// 48 KiB. Before it, oversized inputs were accepted and their messages looped in the outbox.
    @Suite("Message size budget", .serialized, .timeLimit(.minutes(2)))
    struct MessageSizeTests {
        static let doubler = """
            id: doubler
            steps:
              - id: twice
                type: task
                taskType: sizes.echo
                input: { a: "${ $.input.blob }", b: "${ $.input.blob }" }
            """

        @Test func everyEntryPointHoldsInputsToWhatCanBePublished() async throws {
            try await withHarness(worker: ExampleWorker.echoBehaviour, definitions: [Self.doubler]) { h in
                let budget = h.app.configuration.kafka.budget
                #expect(budget.maxRecordBytes == 64 * 1024)
                #expect(budget.maxInputBytes == 48 * 1024)
                func blob(_ bytes: Int) -> String { #"{"blob":""# + String(repeating: "z", count: bytes) + #""}"# }

                // REST: a start body over the input budget is refused before anything is written.
                let tooBig = try await h.http("POST", "/v1/workflows/doubler/instances", body: blob(49 * 1024))
                #expect(tooBig.status == 413)
                #expect(tooBig.json["type"]?.stringValue == "https://baton.dev/problems/content-too-large")
                #expect(tooBig.json["detail"]?.stringValue?.contains("\(budget.maxInputBytes)") == true)

                // An input within budget whose task request would not be (the template doubles it):
                // the step fails with PAYLOAD_TOO_LARGE instead of a request that can never be sent.
                let doubled = try await h.http("POST", "/v1/workflows/doubler/instances", body: blob(34 * 1024))
                #expect(doubled.status == 201)
                let failed = try await h.waitForEnd(try #require(doubled.json["id"]?.stringValue))
                #expect(failed.status == .failed)
                #expect(failed.error?.code == "PAYLOAD_TOO_LARGE")
                #expect(failed.error?.message.contains("65536") == true)
                // A small one goes through the same path.
                let small = try await h.http("POST", "/v1/workflows/doubler/instances", body: blob(100))
                #expect(try await h.waitForEnd(try #require(small.json["id"]?.stringValue)).status == .completed)

                // Kafka: an input over the budget and one over the record limit itself.
                let overBudget = #"{"specversion":"1.0","id":"big-1","source":"s","type":"t","data":""# + String(repeating: "b", count: 56 * 1024) + #""}"#
                let overRecord = #"{"specversion":"1.0","id":"big-2","source":"s","type":"t","data":""# + String(repeating: "r", count: 100 * 1024) + #""}"#
                let result = #"{"taskId":"a.1","instanceId":"a","stepId":"s","attempt":1,"status":"completed","output":""# + String(repeating: "o", count: 56 * 1024) + #""}"#
                try await h.produce([
                    KafkaRecord(topic: h.topics.triggers, key: Array("k-1".utf8), value: Array(overBudget.utf8), headers: [KafkaHeader(key: "trace", value: Array("t-1".utf8))]),
                    KafkaRecord(topic: h.topics.triggers, key: Array("k-2".utf8), value: Array(overRecord.utf8), headers: [KafkaHeader(key: "trace", value: Array("t-2".utf8))]),
                    KafkaRecord(topic: h.topics.taskResults, key: nil, value: Array(result.utf8)),
                ])
                try await h.waitUntil("three OVERSIZED dead letters") {
                    try await h.service.deadLetters(DeadLetterQuery(reason: "OVERSIZED")).count == 3
                }
                // Every copy reaches the dead-letter topic; the one over the record limit cut to fit,
                // with its key, its headers and its original size.
                let copies = try await h.readAll(h.topics.deadLetters, atLeast: 3)
                #expect(copies.count == 3)
                let cut = try #require(copies.first { $0.key == Array("k-2".utf8) })
                #expect(cut.value.count < 64 * 1024)
                #expect(Array(overRecord.utf8).starts(with: cut.value))
                #expect(cut.headers.first { $0.key == "trace" }?.value == Array("t-2".utf8))
                #expect(cut.headers.first { $0.key == "baton-dlq-original-size" }?.value == Array(String(overRecord.utf8.count).utf8))
                let whole = try #require(copies.first { $0.key == Array("k-1".utf8) })
                #expect(whole.value == Array(overBudget.utf8))
                #expect(!whole.headers.contains { $0.key == "baton-dlq-original-size" })
                // The store keeps the whole value; redriving it is refused (it would fail again).
                let stored = try await h.service.deadLetters(DeadLetterQuery(reason: "OVERSIZED"))
                #expect(stored.contains { $0.value == Array(overRecord.utf8) })
                let redrive = try await h.http("POST", "/v1/dead-letters/\(stored[0].id)/redrive", body: "{}")
                #expect(redrive.status == 409)

                // Nothing was left that can never be sent.
                try await h.waitUntil("an empty outbox") { try await h.app.store.outboxCount() == 0 }
                #expect(try await h.app.store.parkedOutbox(afterSequence: 0, limit: 10).isEmpty)
                #expect(h.orchestrator.counters.outboxParked == 0)
                print("size budget: records ≤ \(budget.maxRecordBytes) B, inputs ≤ \(budget.maxInputBytes) B; REST \(tooBig.status) over budget; doubled request → \(failed.error?.code ?? "-"); 3 oversized Kafka inputs → 3 dead letters (1 cut to \(cut.value.count) B of \(overRecord.utf8.count)); parked 0")
            }
        }
    }
}
