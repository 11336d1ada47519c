import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonStore
import Foundation
import Testing

extension EndToEnd {
    /// `parallel` steps over the embedded broker, with the test itself as the worker: it reads
    /// task requests with its own consumer and answers with its own producer, as an executor in
    /// any language would.
    @Suite("Parallel branches end to end", .serialized, .timeLimit(.minutes(2)))
    struct ParallelEndToEndTests {
        static func definition(join: String) -> String {
            """
            id: checks-\(join)
            steps:
              - id: checks
                type: parallel
                join: \(join)
                branches:
                  - name: stock
                    steps:
                      - {id: reserve, type: task, taskType: e2e.\(join).stock, input: "${ $.input.sku }"}
                  - name: fraud
                    steps:
                      - {id: score, type: task, taskType: e2e.\(join).fraud, next: verdict}
                      - {id: verdict, type: set, set: {risk: "${ $.steps.score.output.risk }"}}
                next: ship
              - {id: ship, type: task, taskType: e2e.\(join).ship, input: "${ $.steps.checks.output }"}
            """
        }

        /// The task request on `topic`, decoded, after checking it against the published schema.
        func request(_ h: Harness, _ taskType: String) async throws -> (TaskDispatch, JSONValue) {
            let messages = try await h.readAll(h.topics.tasks(taskType), atLeast: 1)
            try validateAgainstSchema("task-request.schema.json", values: messages.map(\.value))
            return (try TaskRequestCodec.decode(messages[0].value), try JSONValue.parse(messages[0].value))
        }

        func answer(_ h: Harness, _ task: TaskDispatch, output: JSONValue, echoExecution: Bool) async throws {
            var result: [String: JSONValue] = [
                "taskId": .string(task.taskId), "instanceId": .string(task.instanceId), "stepId": .string(task.stepId),
                "attempt": .number(Double(task.attempt)), "status": "completed", "output": output,
            ]
            if echoExecution { result["executionId"] = .string(task.executionId) }
            try await h.produce([KafkaRecord(topic: h.topics.taskResults, key: Array(task.instanceId.utf8), value: JSONValue.object(result).serializedBytes(sortedKeys: false))])
        }

        @Test func joinAllCollectsEveryBranchAndTheNextStepGetsTheirOutputs() async throws {
            try await withHarness(worker: nil, definitions: [Self.definition(join: "all")]) { h in
                let started = try await h.http("POST", "/v1/workflows/checks-all/instances", body: #"{"sku":"book"}"#)
                #expect(started.status == 201)
                let id = try #require(started.json["id"]?.stringValue)
                let (stock, stockJSON) = try await request(h, "e2e.all.stock")
                let (fraud, _) = try await request(h, "e2e.all.fraud")
                #expect(stockJSON["executionId"] == "checks/stock")
                #expect(fraud.executionId == "checks/fraud")
                #expect(stock.input == "book")
                // The instance view lists both tasks with their executions.
                let view = try await h.http("GET", "/v1/instances/\(id)")
                #expect(Set(view.json["currentSteps"]?.arrayValue?.compactMap { $0["executionId"]?.stringValue } ?? []) == ["checks/stock", "checks/fraud"])

                try await answer(h, stock, output: ["held": true], echoExecution: true)
                try await answer(h, fraud, output: ["risk": 2], echoExecution: false)  // a worker from before executions
                let (ship, _) = try await request(h, "e2e.all.ship")
                #expect(ship.executionId == "root")
                #expect(ship.input == ["stock": ["held": true], "fraud": ["risk": 2]])
                try await answer(h, ship, output: ["tracking": "T-1"], echoExecution: true)
                let done = try await h.waitForEnd(id)
                #expect(done.status == .completed)
                #expect(done.output == ["tracking": "T-1"])

                let history = try await h.http("GET", "/v1/instances/\(id)/history?limit=100")
                let events = history.json["items"]?.arrayValue ?? []
                #expect(events.filter { $0["type"] == "BranchEnded" }.compactMap { $0["executionId"]?.stringValue }.sorted() == ["checks/fraud", "checks/stock"])
                #expect(events.contains { $0["type"] == "BranchesJoined" })
                let lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: 8)
                try validateAgainstSchema("lifecycle-event.schema.json", values: lifecycle.map(\.value))
            }
        }

        @Test func joinAnyCancelsTheSlowerBranchWithATaskCancellationNamingItsExecution() async throws {
            try await withHarness(worker: nil, definitions: [Self.definition(join: "any")]) { h in
                let started = try await h.http("POST", "/v1/workflows/checks-any/instances", body: #"{"sku":"book"}"#)
                let id = try #require(started.json["id"]?.stringValue)
                let (stock, _) = try await request(h, "e2e.any.stock")
                let (fraud, _) = try await request(h, "e2e.any.fraud")
                try await answer(h, fraud, output: ["risk": 1], echoExecution: true)
                let cancellations = try await h.readAll(h.topics.taskCancellations, atLeast: 1)
                try validateAgainstSchema("task-cancellation.schema.json", values: cancellations.map(\.value))
                let cancellation = try JSONValue.parse(cancellations[0].value)
                #expect(cancellation["taskId"] == .string(stock.taskId))
                #expect(cancellation["executionId"] == "checks/stock")
                let (ship, _) = try await request(h, "e2e.any.ship")
                #expect(ship.input == ["fraud": ["risk": 1]])
                // The cancelled branch's result, arriving anyway, is recorded and changes nothing.
                try await answer(h, stock, output: ["held": true], echoExecution: true)
                try await answer(h, ship, output: [:], echoExecution: true)
                let done = try await h.waitForEnd(id)
                #expect(done.status == .completed)
                #expect(done.executions["checks/stock"]?.status == .cancelled)
                try await h.waitUntil("the late result to be recorded") {
                    let history = try await h.http("GET", "/v1/instances/\(id)/history?limit=100")
                    return (history.json["items"]?.arrayValue ?? []).contains { $0["type"] == "InputIgnored" && $0["taskId"] == .string(stock.taskId) }
                }
            }
        }
    }
}
