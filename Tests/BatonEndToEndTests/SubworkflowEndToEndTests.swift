import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonStore
import Foundation
import Testing

extension EndToEnd {
    /// `subworkflow` steps over the embedded broker, with the test itself as the worker of the
    /// child's tasks: the links both ways in the API and on the lifecycle topic, a cancel that
    /// reaches the child's worker, and a child's failure caught by the parent.
    @Suite("Sub-workflows end to end", .serialized, .timeLimit(.minutes(2)))
    struct SubworkflowEndToEndTests {
        static let parent = """
            id: sub-order
            steps:
              - id: ship
                type: subworkflow
                workflow: sub-shipping
                input: {sku: "${ $.input.sku }"}
                timeout: 1m
                catch: [{errors: [ADDRESS_INVALID], next: apologise}]
                next: invoice
              - {id: invoice, type: task, taskType: e2e.sub.invoice, input: "${ $.steps.ship.output }"}
              - {id: apologise, type: succeed, output: {sorry: "${ $.steps.ship.error.details.childInstanceId }"}}
            """
        static let child = """
            id: sub-shipping
            steps:
              - {id: pack, type: task, taskType: e2e.sub.pack}
            """

        func request(_ h: Harness, _ taskType: String, atLeast count: Int = 1) async throws -> TaskDispatch {
            let messages = try await h.readAll(h.topics.tasks(taskType), atLeast: count)
            try validateAgainstSchema("task-request.schema.json", values: messages.map(\.value))
            return try TaskRequestCodec.decode(messages[count - 1].value)
        }

        func answer(_ h: Harness, _ task: TaskDispatch, output: JSONValue? = nil, error: JSONValue? = nil) async throws {
            var result: [String: JSONValue] = [
                "taskId": .string(task.taskId), "instanceId": .string(task.instanceId), "stepId": .string(task.stepId),
                "executionId": .string(task.executionId), "attempt": .number(Double(task.attempt)),
            ]
            if let error { result["status"] = "failed"; result["error"] = error } else { result["status"] = "completed"; result["output"] = output ?? [:] }
            try await h.produce([KafkaRecord(topic: h.topics.taskResults, key: Array(task.instanceId.utf8), value: JSONValue.object(result).serializedBytes())])
        }

        @Test(arguments: StoreKind.allCases) func theChildRunsAsItsOwnInstanceLinkedBothWaysAndItsOutputMovesTheParentOn(_ store: StoreKind) async throws {
            try await withHarness(worker: nil, definitions: [Self.child, Self.parent], store: store) { h in
                let started = try await h.http("POST", "/v1/workflows/sub-order/instances", body: #"{"sku":"book"}"#)
                #expect(started.status == 201)
                let id = try #require(started.json["id"]?.stringValue)
                let childId = "\(id).1"
                #expect(started.json["children"] == [["instanceId": .string(childId), "stepId": "ship", "executionId": "root", "attempt": 1, "stepStatus": "RUNNING"]])

                let pack = try await request(h, "e2e.sub.pack")
                #expect(pack.instanceId == childId)
                #expect(pack.workflowId == "sub-shipping")
                #expect(pack.input == ["sku": "book"])
                let childView = try await h.http("GET", "/v1/instances/\(childId)")
                #expect(childView.json["parent"] == ["instanceId": .string(id), "executionId": "root", "stepId": "ship", "depth": 1])
                #expect(childView.json["origin"] == .string("subworkflow:\(id)/ship"))
                let listed = try await h.http("GET", "/v1/instances?parentId=\(id)")
                #expect(listed.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [childId])

                try await answer(h, pack, output: ["tracking": "T-1"])
                let invoice = try await request(h, "e2e.sub.invoice")
                #expect(invoice.instanceId == id)
                #expect(invoice.input == ["tracking": "T-1"])
                try await answer(h, invoice, output: ["invoice": 9])
                #expect(try await h.waitForEnd(id).status == .completed)
                #expect(try await h.service.instance(id: childId).status == .completed)

                // On the lifecycle topic the child's workflow events name their parent; all are valid v1 events.
                let lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: 8)
                try validateAgainstSchema("lifecycle-event.schema.json", values: lifecycle.map(\.value))
                let events = try lifecycle.map { try JSONValue.parse($0.value) }
                let childStarted = try #require(events.first { $0["type"] == "workflow.started" && $0["subject"] == .string(childId) })
                #expect(childStarted["data"]?["parentInstanceId"] == .string(id))
                #expect(events.first { $0["type"] == "workflow.started" && $0["subject"] == .string(id) }?["data"]?["parentInstanceId"] == nil)
            }
        }

        @Test func cancellingTheParentCancelsTheChildAndItsWorkerHearsOfIt() async throws {
            try await withHarness(worker: nil, definitions: [Self.child, Self.parent]) { h in
                let started = try await h.http("POST", "/v1/workflows/sub-order/instances", body: #"{"sku":"lamp"}"#)
                let id = try #require(started.json["id"]?.stringValue)
                let pack = try await request(h, "e2e.sub.pack")
                let cancelled = try await h.http("POST", "/v1/instances/\(id)/cancel", body: #"{"reason":"customer called"}"#)
                #expect(cancelled.status == 200)
                let child = try await h.waitForEnd(pack.instanceId)
                #expect(child.status == .cancelled)
                let cancellations = try await h.readAll(h.topics.taskCancellations, atLeast: 1)
                try validateAgainstSchema("task-cancellation.schema.json", values: cancellations.map(\.value))
                #expect(try JSONValue.parse(cancellations[0].value)["taskId"] == .string(pack.taskId))
                // The child's late result changes nothing.
                try await answer(h, pack, output: [:])
                try await h.waitUntil("the late result to be recorded") {
                    let history = try await h.http("GET", "/v1/instances/\(pack.instanceId)/history?limit=100")
                    return (history.json["items"]?.arrayValue ?? []).contains { $0["type"] == "InputIgnored" }
                }
                #expect(try await h.service.instance(id: id).status == .cancelled)
            }
        }

        @Test func aChildsFailureIsCaughtByItsCodeAndTheStepFailedEventNamesTheChild() async throws {
            try await withHarness(worker: nil, definitions: [Self.child, Self.parent]) { h in
                let started = try await h.http("POST", "/v1/workflows/sub-order/instances", body: #"{"sku":"moon"}"#)
                let id = try #require(started.json["id"]?.stringValue)
                let pack = try await request(h, "e2e.sub.pack")
                try await answer(h, pack, error: ["code": "ADDRESS_INVALID", "message": "no such street", "retryable": false])
                let done = try await h.waitForEnd(id)
                #expect(done.status == .completed)
                #expect(done.output == ["sorry": .string(pack.instanceId)])
                let lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: 7)
                try validateAgainstSchema("lifecycle-event.schema.json", values: lifecycle.map(\.value))
                let failed = try lifecycle.map { try JSONValue.parse($0.value) }.first { $0["type"] == "step.failed" && $0["subject"] == .string(id) }
                #expect(failed?["data"]?["childInstanceId"] == .string(pack.instanceId))
                #expect(failed?["data"]?["error"]?["code"] == "ADDRESS_INVALID")
            }
        }
    }
}
