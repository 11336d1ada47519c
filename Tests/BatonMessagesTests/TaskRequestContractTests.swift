import BatonCore
import BatonExpressions
import BatonMessages
import Testing

@Suite("Task requests on <prefix>tasks.<taskType>")
struct TaskRequestContractTests {
    static func dispatch(deadline: Timestamp? = nil, input: JSONValue = ["orderId": "o-1", "sku": "book", "quantity": 2]) -> TaskDispatch {
        TaskDispatch(
            taskId: "inst-1.1", instanceId: "inst-1", workflowId: "order-fulfilment", workflowVersion: 3, stepId: "reserve",
            taskType: "inventory.reserve", attempt: 1, input: input, scheduledAt: Times.t0, deadline: deadline
        )
    }

    @Test func requestIsPublishedOnItsTaskTypeTopicKeyedByInstanceWithIdHeaders() {
        let wire = TaskRequestCodec.encode(Self.dispatch(), topics: TopicNames())
        #expect(wire.topic == "baton.tasks.inventory.reserve")
        #expect(wire.key == Array("inst-1".utf8))
        #expect(wire.headers == [WireHeader("baton-task-id", "inst-1.1"), WireHeader("baton-schema-version", "1")])
    }

    @Test func topicFollowsTheConfiguredPrefix() {
        let wire = TaskRequestCodec.encode(Self.dispatch(), topics: TopicNames(prefix: "acme.baton."))
        #expect(wire.topic == "acme.baton.tasks.inventory.reserve")
    }

    @Test func requestWithoutDeadlineCarriesExactlyTheDocumentedFields() throws {
        let json = try JSONValue.parse(TaskRequestCodec.encode(Self.dispatch(), topics: TopicNames()).value)
        #expect(json == [
            "taskId": "inst-1.1", "instanceId": "inst-1", "workflowId": "order-fulfilment", "workflowVersion": 3,
            "stepId": "reserve", "executionId": "root", "taskType": "inventory.reserve", "attempt": 1,
            "input": ["orderId": "o-1", "sku": "book", "quantity": 2], "scheduledAt": "2026-11-27T21:15:51.120Z",
        ])
    }

    @Test func aBranchTaskNamesItsExecutionAndARequestWithoutOneMeansTheRoot() throws {
        var dispatch = Self.dispatch()
        dispatch.executionId = "checks/stock/fanout[3]"
        let value = TaskRequestCodec.encode(dispatch, topics: TopicNames()).value
        #expect(try JSONValue.parse(value)["executionId"] == "checks/stock/fanout[3]")
        #expect(try TaskRequestCodec.decode(value) == dispatch)
        for report in try Contract.validate(values: [value], against: "task-request") { #expect(report.isValid, "\(report)") }
        // A request written before executions existed decodes as the root's.
        guard case .object(var old) = try JSONValue.parse(TaskRequestCodec.encode(Self.dispatch(), topics: TopicNames()).value) else { return }
        old["executionId"] = nil
        #expect(try TaskRequestCodec.decode(JSONValue.object(old).serializedBytes(sortedKeys: false)).executionId == "root")
    }

    @Test func requestWithDeadlineCarriesItInUTCWithMilliseconds() throws {
        let wire = TaskRequestCodec.encode(Self.dispatch(deadline: Times.at(30_000)), topics: TopicNames())
        let json = try JSONValue.parse(wire.value)
        #expect(json["deadline"] == "2026-11-27T21:16:21.120Z")
        #expect(json["scheduledAt"] == "2026-11-27T21:15:51.120Z")
    }

    @Test func encodedRequestsValidateAgainstTheSchema() throws {
        let dispatches = [
            Self.dispatch(),
            Self.dispatch(deadline: Times.at(30_000)),
            Self.dispatch(input: .null),
            Self.dispatch(input: [1, "two", [3.5], ["nested": [true, false, nil]]]),
            Self.dispatch(input: ["text": "Grüße, \"quoted\"\n\ttabbed \u{1F600}", "big": 9_007_199_254_740_991, "small": -0.000001]),
            TaskDispatch(
                taskId: "A_b-9.c.42", instanceId: "A_b-9.c", workflowId: "w", workflowVersion: 1, stepId: "s",
                taskType: "a", attempt: 7, input: "plain string", scheduledAt: Timestamp(milliseconds: 0), deadline: Timestamp(milliseconds: 1)
            ),
        ]
        let reports = try Contract.validate(values: dispatches.map { TaskRequestCodec.encode($0, topics: TopicNames()).value }, against: "task-request")
        for report in reports {
            #expect(report.isValid, "\(report)")
        }
    }

    @Test func decodeReadsBackWhatEncodeWrote() throws {
        for dispatch in [Self.dispatch(), Self.dispatch(deadline: Times.at(30_000)), Self.dispatch(input: .null)] {
            let wire = TaskRequestCodec.encode(dispatch, topics: TopicNames())
            #expect(try TaskRequestCodec.decode(wire.value) == dispatch)
        }
    }

    @Test func exampleRequestIsExactlyWhatTheCodecEmits() throws {
        let example = try JSONValue.parse(try Contract.bytes(ofFile: Contract.examplePath("task-request.example.json")))
        let decoded = try TaskRequestCodec.decode(example.serializedBytes())
        let reencoded = try JSONValue.parse(TaskRequestCodec.encode(decoded, topics: TopicNames()).value)
        #expect(reencoded == example)
        #expect(decoded.deadline == Timestamp(iso8601: "2026-11-27T21:16:21.120Z"))
    }

    @Test func schemaRejectsFieldsBatonDoesNotEmit() throws {
        var json = try JSONValue.parse(TaskRequestCodec.encode(Self.dispatch(), topics: TopicNames()).value)
        guard case .object(var members) = json else { throw ContractError("not an object") }
        members["priority"] = 5
        json = .object(members)
        let reports = try Contract.validate([json], against: "task-request")
        #expect(reports.map(\.fields) == [[""]])
        #expect(reports.first?.violations.first?.keyword == "additionalProperties")
    }
}
