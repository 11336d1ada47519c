import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonStore
import Foundation
import Testing

extension EndToEnd {
    /// `waitForEvent` over the embedded broker: a pipeline's CloudEvent on the trigger topic
    /// (one that arrives before the wait, one after) and a REST signal complete waiting steps.
    @Suite("Waiting for events end to end", .serialized, .timeLimit(.minutes(2)))
    struct EventWaitEndToEndTests {
        static let definition = """
            id: e2e-pay
            steps:
              - id: await
                type: waitForEvent
                event: e2e.payment.settled
                correlation: "${ $.input.orderId }"
                eventKey: "${ $.data.orderId }"
                timeout: 1m
                next: approve
              - {id: approve, type: waitForEvent, event: approved, into: approval, next: done}
              - {id: done, type: succeed, output: {paid: "${ $.steps.await.output.amount }", by: "${ $.vars.approval.by }"}}
            """

        func publish(_ h: Harness, id: String, orderId: String, amount: Int) async throws {
            let event: JSONValue = [
                "specversion": "1.0", "id": .string(id), "source": "bank", "type": "e2e.payment.settled",
                "data": ["orderId": .string(orderId), "amount": .number(Double(amount))],
            ]
            try validateAgainstSchema("trigger-event.schema.json", values: [event.serializedBytes()])
            try await h.produce([KafkaRecord(topic: h.topics.triggers, key: Array(orderId.utf8), value: event.serializedBytes())])
        }

        @Test(arguments: StoreKind.allCases) func eventsBeforeAndAfterTheWaitAndARESTSignalCompleteTheSteps(_ store: StoreKind) async throws {
            try await withHarness(worker: nil, definitions: [Self.definition], store: store) { h in
                // o-early's payment arrives before its instance exists: it is kept, not a dead letter.
                try await publish(h, id: "pay-early", orderId: "o-early", amount: 5)
                try await h.waitUntil("the early event to be kept") { h.orchestrator.counters.eventsKept == 1 }
                let early = try await h.http("POST", "/v1/workflows/e2e-pay/instances", body: #"{"orderId":"o-early"}"#)
                let earlyId = try #require(early.json["id"]?.stringValue)
                #expect(early.json["state"]?["steps"]?["await"]?["status"] == "COMPLETED")

                let late = try await h.http("POST", "/v1/workflows/e2e-pay/instances", body: #"{"orderId":"o-late"}"#)
                let lateId = try #require(late.json["id"]?.stringValue)
                #expect(late.json["state"]?["steps"]?["await"]?["status"] == "WAITING")
                try await publish(h, id: "pay-late", orderId: "o-late", amount: 9)
                try await h.waitUntil("the late event to be delivered") {
                    try await h.service.instance(id: lateId).root.steps["await"]?.status == .completed
                }

                for (id, who) in [(earlyId, "ann"), (lateId, "bob")] {
                    let signal = try await h.http("POST", "/v1/instances/\(id)/signals/approved", body: "{\"by\":\"\(who)\"}", headers: ["X-Baton-Actor": who])
                    #expect(signal.status == 200)
                    #expect(signal.json["outcome"] == "DELIVERED")
                    #expect(signal.json["stepId"] == "approve")
                }
                #expect(try await h.waitForEnd(earlyId).output == ["paid": 5, "by": "ann"])
                #expect(try await h.waitForEnd(lateId).output == ["paid": 9, "by": "bob"])
                let ended = try await h.http("POST", "/v1/instances/\(lateId)/signals/approved", body: "{}")
                #expect(ended.status == 409)
                #expect(try await h.service.deadLetters(DeadLetterQuery()).isEmpty)
                let lifecycle = try await h.readAll(h.topics.lifecycle, atLeast: 4)
                try validateAgainstSchema("lifecycle-event.schema.json", values: lifecycle.map(\.value))
            }
        }
    }
}
