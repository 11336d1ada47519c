import BatonCore
import BatonExpressions
import BatonMessages
import Testing

@Suite("Task cancellations on <prefix>task-cancellations")
struct TaskCancellationContractTests {
    static let cancellation = TaskCancellation(
        taskId: "inst-1.2", instanceId: "inst-1", workflowId: "order-fulfilment", stepId: "charge", taskType: "payment.charge",
        attempt: 1, reason: "instance cancelled by ops: customer withdrew", cancelledAt: Times.at(500)
    )

    @Test func cancellationIsKeyedByInstanceWithTheTaskIdHeader() {
        let wire = TaskCancellationCodec.encode(Self.cancellation, topics: TopicNames(prefix: "eu1."))
        #expect(wire.topic == "eu1.task-cancellations")
        #expect(wire.key == Array("inst-1".utf8))
        #expect(wire.headers == [WireHeader("baton-task-id", "inst-1.2"), WireHeader("baton-schema-version", "1")])
    }

    @Test func cancellationCarriesExactlyTheDocumentedFieldsAndValidates() throws {
        let value = TaskCancellationCodec.encode(Self.cancellation, topics: TopicNames()).value
        #expect(try JSONValue.parse(value) == [
            "taskId": "inst-1.2", "instanceId": "inst-1", "workflowId": "order-fulfilment", "stepId": "charge",
            "executionId": "root", "taskType": "payment.charge", "attempt": 1, "reason": "instance cancelled by ops: customer withdrew",
            "cancelledAt": "2026-11-27T21:15:51.620Z",
        ])
        for report in try Contract.validate(values: [value], against: "task-cancellation") { #expect(report.isValid, "\(report)") }
    }

    @Test func theEngineCancelsRunningTasksWhenTheInstanceIsCancelled() throws {
        let definition = try DefinitionCompiler.compile(text: try Contract.text(ofFile: Contract.examplePath("order-fulfilment.yaml")), version: 1)
        let engine = Engine()
        let s = engine.start(StartWorkflow(instanceId: "inst-1", input: ["orderId": "o-1", "sku": "book", "quantity": 2, "amount": 42], origin: "api"), definition: definition, now: Times.at(0))
        let c = engine.cancelRequested(reason: "withdrawn", by: "ops", instance: s.instance, definition: definition, at: Times.at(100))
        let cancellations = c.effects.compactMap { effect -> TaskCancellation? in
            if case .cancelTask(let t) = effect { return t } else { return nil }
        }
        #expect(cancellations.map(\.taskId) == ["inst-1.1"])
        #expect(cancellations.first?.taskType == "inventory.reserve")
        #expect(cancellations.first?.reason == "instance cancelled by ops: withdrawn")
        let values = cancellations.map { TaskCancellationCodec.encode($0, topics: TopicNames()).value }
        for report in try Contract.validate(values: values, against: "task-cancellation") { #expect(report.isValid, "\(report)") }
    }
}
