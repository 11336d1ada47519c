import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonStore
import Foundation
import Synchronization
import Testing

extension EndToEnd {
    /// `foreach` over the embedded broker, with the test as the worker: it answers each request
    /// as it arrives (only `maxConcurrency` are out at a time), with its own consumer and producer.
    @Suite("Foreach end to end", .serialized, .timeLimit(.minutes(3)))
    struct ForeachEndToEndTests {
        static let definition = """
            id: fanout-e2e
            steps:
              - id: each
                type: foreach
                items: "${ $.input.orders }"
                maxConcurrency: 20
                toleratedFailures: "10%"
                steps:
                  - {id: settle, type: task, taskType: e2e.settle, input: {order: "${ $.item }", position: "${ $.index }"}}
            """

        /// Answers `count` task requests of `topic` as they arrive; returns the requests seen.
        func serve(_ h: Harness, _ topic: String, count: Int, answer: @escaping @Sendable (TaskDispatch) -> (status: String, output: JSONValue)) async throws -> [TaskDispatch] {
            let consumer = try KafkaConsumer(configuration: h.kafka, options: .init(groupId: "e2e-settler-\(UUID().uuidString)", topics: [topic]), logger: h.logger)
            defer { consumer.close() }
            let producer = try KafkaProducer(configuration: h.kafka, logger: h.logger)
            defer { producer.shutdown() }
            var seen: [TaskDispatch] = []
            let deadline = ContinuousClock.now + .seconds(120)
            for await batch in consumer.batches {
                var results: [KafkaRecord] = []
                for message in batch {
                    let task = try TaskRequestCodec.decode(message.value)
                    seen.append(task)
                    let (status, output) = answer(task)
                    var result: [String: JSONValue] = [
                        "taskId": .string(task.taskId), "instanceId": .string(task.instanceId), "stepId": .string(task.stepId),
                        "executionId": .string(task.executionId), "attempt": .number(Double(task.attempt)), "status": .string(status),
                    ]
                    if status == "failed" { result["error"] = ["code": "DECLINED", "message": "declined", "retryable": false] } else { result["output"] = output }
                    results.append(KafkaRecord(topic: h.topics.taskResults, key: Array(task.instanceId.utf8), value: JSONValue.object(result).serializedBytes(sortedKeys: false)))
                }
                for case .failure(let error) in await producer.send(results) { throw error }
                if seen.count >= count || ContinuousClock.now > deadline { break }
            }
            return seen
        }

        @Test(arguments: StoreKind.allCases) func twoHundredItemsTwentyAtATimeGiveTheirOutputsInItemOrder(_ store: StoreKind) async throws {
            try await withHarness(worker: nil, definitions: [Self.definition], store: store) { h in
                let orders = (0..<200).map { JSONValue.string("order-\($0)") }
                let started = try await h.http("POST", "/v1/workflows/fanout-e2e/instances", body: JSONValue.object(["orders": .array(orders)]).serialized())
                #expect(started.status == 201)
                let id = try #require(started.json["id"]?.stringValue)
                // Items 7 and 100 fail: within the 10% tolerated.
                let seen = try await serve(h, h.topics.tasks("e2e.settle"), count: 200) { task in
                    let position = task.input["position"]?.intValue ?? -1
                    return [7, 100].contains(position) ? ("failed", .null) : ("completed", ["settled": task.input["order"] ?? .null])
                }
                let done = try await h.waitForEnd(id, timeout: .seconds(60))
                #expect(done.status == .completed)
                let output = try #require(done.root.steps["each"]?.output?.arrayValue)
                #expect(output.count == 200)
                #expect(output[0] == ["settled": "order-0"])
                #expect(output[199] == ["settled": "order-199"])
                #expect(output[7] == .null)
                #expect(output[100] == .null)
                // Every item was started once, with its own execution and its own item.
                #expect(seen.count == 200)
                #expect(Set(seen.map(\.executionId)).count == 200)
                #expect(Set(seen.map(\.executionId)) == Set((0..<200).map { "each[\($0)]" }))
                #expect(seen.allSatisfy { $0.input["order"] == .string("order-\($0.input["position"]?.intValue ?? -1)") })
                // Only running items are executions: none is left once the step completed.
                #expect(done.executions.keys.sorted() == ["root"])
                print("foreach e2e: 200 items, 20 at a time, 2 failed within the tolerance, output in item order")
            }
        }
    }
}
