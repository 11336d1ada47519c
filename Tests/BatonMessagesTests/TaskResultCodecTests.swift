import BatonCore
import BatonExpressions
import BatonMessages
import Testing

@Suite("Task results on <prefix>task-results")
struct TaskResultCodecTests {
    static let instance = "0b9a6c1e-5d2f-4e8a-9c3b-7f1e2d4a6b80"

    static func decode(_ text: String, maxBytes: Int = 1 << 20) throws(MessageError) -> TaskResult {
        try TaskResultCodec.decode(Array(text.utf8), maxBytes: maxBytes)
    }

    // MARK: Accepting

    @Test func completedExampleDecodesWithItsOutput() throws {
        let result = try TaskResultCodec.decode(try Contract.bytes(ofFile: Contract.examplePath("task-result.completed.example.json")))
        #expect(result == TaskResult(
            taskId: "\(Self.instance).1", instanceId: Self.instance, stepId: "reserve", executionId: "root", attempt: 1, status: .completed,
            output: ["available": true, "reservationId": .string("res-\(Self.instance).1")], workerId: "inventory-worker-7d9f"
        ))
    }

    @Test func failedExampleDecodesWithTheWorkersError() throws {
        let result = try TaskResultCodec.decode(try Contract.bytes(ofFile: Contract.examplePath("task-result.failed.example.json")))
        #expect(result == TaskResult(
            taskId: "\(Self.instance).2", instanceId: Self.instance, stepId: "charge", executionId: "root", attempt: 1, status: .failed,
            error: ErrorInfo(
                code: "PAYMENT_DECLINED", message: "the card issuer declined the charge of 42.00 EUR", retryable: false,
                details: ["declineCode": "insufficient_funds", "provider": "examplepay"]
            ),
            workerId: "payment-worker-2c41"
        ))
    }

    @Test func heartbeatExampleDecodesWithItsProgress() throws {
        let result = try TaskResultCodec.decode(try Contract.bytes(ofFile: Contract.examplePath("task-result.heartbeat.example.json")))
        #expect(result.status == .heartbeat)
        // Written as a worker from before executions would: no executionId, which the engine reads as the task's own.
        #expect(result.executionId == nil)
        #expect(result.output == ["phase": "awaiting-3ds-confirmation"])
        #expect(result.error == nil)
    }

    @Test func minimalCompletedResultHasNoOutputErrorOrWorker() throws {
        let result = try Self.decode(#"{"taskId":"t","instanceId":"i","stepId":"s","attempt":1,"status":"completed"}"#)
        #expect(result == TaskResult(taskId: "t", instanceId: "i", stepId: "s", attempt: 1, status: .completed))
    }

    @Test func errorWithOnlyACodeIsRetryableWithAnEmptyMessage() throws {
        let result = try Self.decode(#"{"taskId":"t","instanceId":"i","stepId":"s","attempt":2,"status":"failed","error":{"code":"TIMEOUT"}}"#)
        #expect(result.error == ErrorInfo(code: "TIMEOUT", message: "", retryable: true))
    }

    @Test func nullOptionalFieldsMeanAbsent() throws {
        let result = try Self.decode(#"{"taskId":"t","instanceId":"i","stepId":"s","attempt":1,"status":"completed","error":null,"workerId":null}"#)
        #expect(result == TaskResult(taskId: "t", instanceId: "i", stepId: "s", attempt: 1, status: .completed))
        let failed = try Self.decode(#"{"taskId":"t","instanceId":"i","stepId":"s","attempt":1,"status":"failed","error":{"code":"X","message":null,"retryable":null}}"#)
        #expect(failed.error == ErrorInfo(code: "X", message: "", retryable: true))
    }

    @Test func unknownFieldsAreIgnored() throws {
        let result = try Self.decode(#"{"taskId":"t","instanceId":"i","stepId":"s","attempt":1,"status":"completed","output":7,"traceId":"abc","error2":{}}"#)
        #expect(result == TaskResult(taskId: "t", instanceId: "i", stepId: "s", attempt: 1, status: .completed, output: 7))
    }

    @Test func integralAttemptWrittenWithAFractionIsAccepted() throws {
        #expect(try Self.decode(#"{"taskId":"t","instanceId":"i","stepId":"s","attempt":2.0,"status":"heartbeat"}"#).attempt == 2)
    }

    @Test func encodeThenDecodeIsTheIdentity() throws {
        let results = [
            TaskResult(taskId: "i.1", instanceId: "i", stepId: "s", attempt: 1, status: .completed, output: ["x": [1, 2]], workerId: "w"),
            TaskResult(taskId: "i.2", instanceId: "i", stepId: "s", attempt: 3, status: .failed, error: ErrorInfo(code: "E", message: "m", retryable: false, details: ["k": "v"])),
            TaskResult(taskId: "i.3", instanceId: "i", stepId: "s", attempt: 1, status: .heartbeat),
        ]
        for result in results {
            let wire = TaskResultCodec.encode(result, topics: TopicNames())
            #expect(wire.topic == "baton.task-results")
            #expect(wire.key == Array("i".utf8))
            #expect(try TaskResultCodec.decode(wire.value) == result)
        }
        let reports = try Contract.validate(values: results.map { TaskResultCodec.encode($0, topics: TopicNames()).value }, against: "task-result")
        for report in reports { #expect(report.isValid, "\(report)") }
    }

    // MARK: Rejecting, with the reason and the field

    struct Rejection: Sendable, CustomTestStringConvertible {
        var name: String
        var value: String
        var expected: MessageError
        var testDescription: String { name }
    }

    static let valid = #""taskId":"t","instanceId":"i","stepId":"s""#

    static let rejections: [Rejection] = [
        Rejection(name: "missing taskId", value: #"{"instanceId":"i","stepId":"s","attempt":1,"status":"completed"}"#,
                  expected: MessageError(.schemaViolation, "required field 'taskId' is missing", pointer: "/taskId")),
        Rejection(name: "missing instanceId", value: #"{"taskId":"t","stepId":"s","attempt":1,"status":"completed"}"#,
                  expected: MessageError(.schemaViolation, "required field 'instanceId' is missing", pointer: "/instanceId")),
        Rejection(name: "null stepId", value: #"{"taskId":"t","instanceId":"i","stepId":null,"attempt":1,"status":"completed"}"#,
                  expected: MessageError(.schemaViolation, "required field 'stepId' is missing", pointer: "/stepId")),
        Rejection(name: "missing attempt", value: "{\(valid),\"status\":\"completed\"}",
                  expected: MessageError(.schemaViolation, "required field 'attempt' is missing", pointer: "/attempt")),
        Rejection(name: "missing status", value: "{\(valid),\"attempt\":1}",
                  expected: MessageError(.schemaViolation, "required field 'status' is missing", pointer: "/status")),
        Rejection(name: "empty taskId", value: #"{"taskId":"","instanceId":"i","stepId":"s","attempt":1,"status":"completed"}"#,
                  expected: MessageError(.schemaViolation, "field 'taskId' must be a non-empty string, found \"\"", pointer: "/taskId")),
        Rejection(name: "numeric instanceId", value: #"{"taskId":"t","instanceId":42,"stepId":"s","attempt":1,"status":"completed"}"#,
                  expected: MessageError(.schemaViolation, "field 'instanceId' must be a non-empty string, found 42", pointer: "/instanceId")),
        Rejection(name: "attempt as a string", value: "{\(valid),\"attempt\":\"1\",\"status\":\"completed\"}",
                  expected: MessageError(.schemaViolation, "field 'attempt' must be an integer ≥ 1, found \"1\"", pointer: "/attempt")),
        Rejection(name: "fractional attempt", value: "{\(valid),\"attempt\":1.5,\"status\":\"completed\"}",
                  expected: MessageError(.schemaViolation, "field 'attempt' must be an integer ≥ 1, found 1.5", pointer: "/attempt")),
        Rejection(name: "attempt 0", value: "{\(valid),\"attempt\":0,\"status\":\"completed\"}",
                  expected: MessageError(.schemaViolation, "field 'attempt' must be an integer ≥ 1, found 0", pointer: "/attempt")),
        Rejection(name: "unknown status", value: "{\(valid),\"attempt\":1,\"status\":\"done\"}",
                  expected: MessageError(.schemaViolation, "field 'status' must be one of completed, failed, heartbeat; found \"done\"", pointer: "/status")),
        Rejection(name: "status in capitals", value: "{\(valid),\"attempt\":1,\"status\":\"COMPLETED\"}",
                  expected: MessageError(.schemaViolation, "field 'status' must be one of completed, failed, heartbeat; found \"COMPLETED\"", pointer: "/status")),
        Rejection(name: "boolean status", value: "{\(valid),\"attempt\":1,\"status\":true}",
                  expected: MessageError(.schemaViolation, "field 'status' must be a non-empty string, found true", pointer: "/status")),
        Rejection(name: "failed without error", value: "{\(valid),\"attempt\":1,\"status\":\"failed\"}",
                  expected: MessageError(.schemaViolation, "a failed result needs an 'error' object with at least 'code'", pointer: "/error")),
        Rejection(name: "failed with a null error", value: "{\(valid),\"attempt\":1,\"status\":\"failed\",\"error\":null}",
                  expected: MessageError(.schemaViolation, "a failed result needs an 'error' object with at least 'code'", pointer: "/error")),
        Rejection(name: "error as a string", value: "{\(valid),\"attempt\":1,\"status\":\"failed\",\"error\":\"boom\"}",
                  expected: MessageError(.schemaViolation, "'error' must be a JSON object, found string", pointer: "/error")),
        Rejection(name: "error without code", value: "{\(valid),\"attempt\":1,\"status\":\"failed\",\"error\":{\"message\":\"boom\"}}",
                  expected: MessageError(.schemaViolation, "required field 'code' is missing", pointer: "/error/code")),
        Rejection(name: "numeric error code", value: "{\(valid),\"attempt\":1,\"status\":\"failed\",\"error\":{\"code\":500}}",
                  expected: MessageError(.schemaViolation, "field 'code' must be a non-empty string, found 500", pointer: "/error/code")),
        Rejection(name: "retryable as a string", value: "{\(valid),\"attempt\":1,\"status\":\"failed\",\"error\":{\"code\":\"E\",\"retryable\":\"yes\"}}",
                  expected: MessageError(.schemaViolation, "field 'retryable' must be a boolean, found \"yes\"", pointer: "/error/retryable")),
        Rejection(name: "numeric error message", value: "{\(valid),\"attempt\":1,\"status\":\"failed\",\"error\":{\"code\":\"E\",\"message\":3}}",
                  expected: MessageError(.schemaViolation, "field 'message' must be a string, found 3", pointer: "/error/message")),
        Rejection(name: "numeric workerId", value: "{\(valid),\"attempt\":1,\"status\":\"completed\",\"workerId\":7}",
                  expected: MessageError(.schemaViolation, "field 'workerId' must be a string, found 7", pointer: "/workerId")),
        Rejection(name: "an array instead of an object", value: "[1,2]",
                  expected: MessageError(.schemaViolation, "a task result must be a JSON object, found array", pointer: "")),
    ]

    @Test(arguments: rejections)
    func schemaViolationsAreRejectedWithTheFieldAndWhy(_ rejection: Rejection) {
        let error = #expect(throws: MessageError.self) { try Self.decode(rejection.value) }
        #expect(error == rejection.expected)
    }

    @Test func valueThatIsNotJSONIsMalformedWithItsPosition() throws {
        let value = "{\"taskId\": \"t\",\n \"attempt\": 01}"
        let parseError = try #require(Self.parseError(value))
        let error = #expect(throws: MessageError.self) { try Self.decode(value) }
        #expect(error == MessageError(.malformed, "not valid JSON: \(parseError.message) at line 2, column \(parseError.column)"))
        #expect(parseError.line == 2)
    }

    @Test func valueThatIsNotUTF8IsMalformed() {
        let error = #expect(throws: MessageError.self) { try TaskResultCodec.decode([0x7B, 0xFF, 0x7D]) }
        #expect(error?.reason == .malformed)
        #expect(error?.pointer == nil)
    }

    @Test func emptyValueIsMalformed() {
        let error = #expect(throws: MessageError.self) { try TaskResultCodec.decode([]) }
        #expect(error?.reason == .malformed)
    }

    @Test func valueOverTheLimitIsOversizedBeforeItIsParsed() {
        let value = "{\(Self.valid),\"attempt\":1,\"status\":\"completed\",\"output\":\"\(String(repeating: "x", count: 100))\"}"
        let size = value.utf8.count
        let error = #expect(throws: MessageError.self) { try Self.decode(value, maxBytes: size - 1) }
        #expect(error == MessageError(.oversized, "the value is \(size) bytes; the limit is \(size - 1)"))
        // Not JSON at all, but too large: the size is what is reported.
        let garbage = #expect(throws: MessageError.self) { try Self.decode(String(repeating: "?", count: 11), maxBytes: 10) }
        #expect(garbage == MessageError(.oversized, "the value is 11 bytes; the limit is 10"))
    }

    @Test func valueExactlyAtTheLimitIsAccepted() throws {
        let value = "{\(Self.valid),\"attempt\":1,\"status\":\"completed\"}"
        #expect(try Self.decode(value, maxBytes: value.utf8.count).status == .completed)
    }

    @Test func schemaStatusEnumIsTheCodecsStatuses() throws {
        let schema = try Contract.schema("task-result")
        let statuses = schema["properties"]?["status"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(statuses == ["completed", "failed", "heartbeat"])
        for status in statuses { #expect(TaskResult.Status(rawValue: status) != nil) }
    }

    static func parseError(_ text: String) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(text)
            return nil
        } catch {
            return error
        }
    }
}
