import BatonCore
import BatonExpressions
import BatonMessages
import Testing

/// The schemas are the contract and the codecs enforce it: whatever the codec rejects, the schema
/// rejects for the same field, and what the schema accepts, the codec accepts.
@Suite("Schemas and codecs agree")
struct SchemaCodecAgreementTests {
    static let ids = #""taskId":"t","instanceId":"i","stepId":"s""#

    /// Results the codec must reject, each with the field both must blame.
    static let invalidResults: [(value: String, field: String)] = [
        ("{\(ids),\"attempt\":0,\"status\":\"completed\"}", "/attempt"),
        ("{\(ids),\"attempt\":-3,\"status\":\"completed\"}", "/attempt"),
        ("{\(ids),\"attempt\":1.5,\"status\":\"completed\"}", "/attempt"),
        ("{\(ids),\"attempt\":\"1\",\"status\":\"completed\"}", "/attempt"),
        ("{\(ids),\"status\":\"completed\"}", "/attempt"),
        (#"{"instanceId":"i","stepId":"s","attempt":1,"status":"completed"}"#, "/taskId"),
        (#"{"taskId":"","instanceId":"i","stepId":"s","attempt":1,"status":"completed"}"#, "/taskId"),
        (#"{"taskId":"t","instanceId":null,"stepId":"s","attempt":1,"status":"completed"}"#, "/instanceId"),
        (#"{"taskId":"t","instanceId":"i","stepId":["s"],"attempt":1,"status":"completed"}"#, "/stepId"),
        ("{\(ids),\"attempt\":1}", "/status"),
        ("{\(ids),\"attempt\":1,\"status\":\"done\"}", "/status"),
        ("{\(ids),\"attempt\":1,\"status\":\"\"}", "/status"),
        ("{\(ids),\"attempt\":1,\"status\":\"failed\"}", "/error"),
        ("{\(ids),\"attempt\":1,\"status\":\"failed\",\"error\":null}", "/error"),
        ("{\(ids),\"attempt\":1,\"status\":\"failed\",\"error\":[\"E\"]}", "/error"),
        ("{\(ids),\"attempt\":1,\"status\":\"failed\",\"error\":{\"message\":\"m\"}}", "/error/code"),
        ("{\(ids),\"attempt\":1,\"status\":\"completed\",\"error\":{\"code\":\"\"}}", "/error/code"),
        ("{\(ids),\"attempt\":1,\"status\":\"failed\",\"error\":{\"code\":\"E\",\"retryable\":1}}", "/error/retryable"),
        ("{\(ids),\"attempt\":1,\"status\":\"failed\",\"error\":{\"code\":\"E\",\"message\":false}}", "/error/message"),
        ("{\(ids),\"attempt\":1,\"status\":\"completed\",\"workerId\":{}}", "/workerId"),
    ]

    @Test func resultWithAttemptZeroIsRejectedByBothTheSchemaAndTheCodec() throws {
        let value = "{\(Self.ids),\"attempt\":0,\"status\":\"completed\"}"
        let reports = try Contract.validate(values: [Array(value.utf8)], against: "task-result")
        #expect(reports.first?.violations.map(\.field) == ["/attempt"])
        #expect(reports.first?.violations.map(\.keyword) == ["minimum"])
        let error = #expect(throws: MessageError.self) { try TaskResultCodec.decode(Array(value.utf8)) }
        #expect(error?.reason == .schemaViolation)
        #expect(error?.pointer == "/attempt")
    }

    @Test func everyResultTheCodecRejectsTheSchemaRejectsForTheSameField() throws {
        let reports = try Contract.validate(values: Self.invalidResults.map { Array($0.value.utf8) }, against: "task-result")
        for (example, report) in zip(Self.invalidResults, reports) {
            let error = MessageError.thrown { try TaskResultCodec.decode(Array(example.value.utf8)) }
            #expect(error?.reason == .schemaViolation, "codec on \(example.value)")
            #expect(error?.pointer == example.field, "codec on \(example.value)")
            #expect(report.fields.contains(example.field), "schema on \(example.value): \(report)")
        }
    }

    /// Results at the edges of what is allowed: both must accept them.
    static let validResults: [String] = [
        "{\(ids),\"attempt\":1,\"status\":\"completed\"}",
        "{\(ids),\"attempt\":2.0,\"status\":\"heartbeat\"}",
        "{\(ids),\"attempt\":9007199254740991,\"status\":\"heartbeat\"}",
        "{\(ids),\"attempt\":1,\"status\":\"completed\",\"output\":null,\"error\":null,\"workerId\":null}",
        "{\(ids),\"attempt\":1,\"status\":\"completed\",\"output\":[1,{\"a\":\"b\"}],\"custom\":{\"any\":true}}",
        "{\(ids),\"attempt\":1,\"status\":\"completed\",\"error\":{\"code\":\"IGNORED\"}}",
        "{\(ids),\"attempt\":1,\"status\":\"failed\",\"error\":{\"code\":\"E\"}}",
        "{\(ids),\"attempt\":1,\"status\":\"failed\",\"error\":{\"code\":\"E\",\"message\":null,\"retryable\":null,\"details\":null,\"extra\":1}}",
        "{\(ids),\"attempt\":1,\"status\":\"failed\",\"output\":{\"partial\":true},\"error\":{\"code\":\"E\",\"message\":\"m\",\"retryable\":false,\"details\":[1]}}",
    ]

    @Test func everyResultTheSchemaAcceptsTheCodecAccepts() throws {
        let reports = try Contract.validate(values: Self.validResults.map { Array($0.utf8) }, against: "task-result")
        for (value, report) in zip(Self.validResults, reports) {
            #expect(report.isValid, "schema on \(value): \(report)")
            #expect(MessageError.thrown { try TaskResultCodec.decode(Array(value.utf8)) } == nil, "codec on \(value)")
        }
    }

    // MARK: Trigger events

    static let invalidEvents: [(value: String, field: String)] = [
        (#"{"id":"e","source":"shop","type":"t"}"#, "/specversion"),
        (#"{"specversion":"0.3","id":"e","source":"shop","type":"t"}"#, "/specversion"),
        (#"{"specversion":"1.0","source":"shop","type":"t"}"#, "/id"),
        (#"{"specversion":"1.0","id":"","source":"shop","type":"t"}"#, "/id"),
        (#"{"specversion":"1.0","id":"e","type":"t"}"#, "/source"),
        (#"{"specversion":"1.0","id":"e","source":"shop"}"#, "/type"),
        (#"{"specversion":"1.0","id":"e","source":"shop","type":7}"#, "/type"),
        (#"{"specversion":"1.0","id":"e","source":"shop","type":"t","subject":1}"#, "/subject"),
        (#"{"specversion":"1.0","id":"e","source":"shop","type":"t","time":false}"#, "/time"),
        (#"{"specversion":"1.0","id":"e","source":"shop","type":"t","datacontenttype":{}}"#, "/datacontenttype"),
        (#"{"specversion":"1.0","id":"e","source":"shop","type":"t","dataschema":[]}"#, "/dataschema"),
    ]

    @Test func everyEventTheCodecRejectsTheSchemaRejectsForTheSameField() throws {
        let reports = try Contract.validate(values: Self.invalidEvents.map { Array($0.value.utf8) }, against: "trigger-event")
        for (example, report) in zip(Self.invalidEvents, reports) {
            let error = MessageError.thrown { try CloudEventCodec.decode(value: Array(example.value.utf8), headers: []) }
            #expect(error?.reason == .schemaViolation, "codec on \(example.value)")
            #expect(error?.pointer == example.field, "codec on \(example.value)")
            #expect(report.fields.contains(example.field), "schema on \(example.value): \(report)")
        }
    }

    static let validEvents: [String] = [
        #"{"specversion":"1.0","id":"e","source":"shop","type":"t"}"#,
        #"{"specversion":"1.0","id":"e","source":"urn:example:shop","type":"t","subject":null,"time":null,"data":null}"#,
        #"{"specversion":"1.0","id":"e","source":"https://shop.example.com/orders","type":"t","time":"2026-11-27T21:15:50.5+01:00","dataschema":"https://shop.example.com/schemas/order","datacontenttype":"text/plain","data":"hi"}"#,
        #"{"specversion":"1.0","id":"e","source":"/shop","type":"t","tenant":"acme","priority":5,"urgent":true,"data":[1,2]}"#,
    ]

    @Test func everyEventTheSchemaAcceptsTheCodecAccepts() throws {
        let reports = try Contract.validate(values: Self.validEvents.map { Array($0.utf8) }, against: "trigger-event")
        for (value, report) in zip(Self.validEvents, reports) {
            #expect(report.isValid, "schema on \(value): \(report)")
            #expect(MessageError.thrown { try CloudEventCodec.decode(value: Array(value.utf8), headers: []) } == nil, "codec on \(value)")
        }
    }

    /// Where the schema follows the CloudEvents specification more strictly than Baton reads it
    /// (documented in schemas/README.md): the codec accepts these, the schema does not.
    static let stricterInTheSchema: [(value: String, field: String)] = [
        (#"{"specversion":"1.0","id":"e","source":"not a uri","type":"t"}"#, "/source"),
        (#"{"specversion":"1.0","id":"e","source":"shop","type":"t","time":"yesterday"}"#, "/time"),
        (#"{"specversion":"1.0","id":"e","source":"shop","type":"t","dataschema":"order.json"}"#, "/dataschema"),
        (#"{"specversion":"1.0","id":"e","source":"shop","type":"t","ext":{"nested":1}}"#, "/ext"),
    ]

    @Test func schemaFollowsCloudEventsWhereTheCodecIsLenient() throws {
        let reports = try Contract.validate(values: Self.stricterInTheSchema.map { Array($0.value.utf8) }, against: "trigger-event")
        for (example, report) in zip(Self.stricterInTheSchema, reports) {
            #expect(report.fields.contains(example.field), "schema on \(example.value): \(report)")
            #expect(MessageError.thrown { try CloudEventCodec.decode(value: Array(example.value.utf8), headers: []) } == nil, "codec on \(example.value)")
        }
    }

    @Test func bothRejectBase64Data() throws {
        let value = #"{"specversion":"1.0","id":"e","source":"shop","type":"t","data_base64":"AAEC"}"#
        let reports = try Contract.validate(values: [Array(value.utf8)], against: "trigger-event")
        #expect(reports[0].fields.contains("/data_base64"))
        let error = MessageError.thrown { try CloudEventCodec.decode(value: Array(value.utf8), headers: []) }
        #expect(error?.reason == .schemaViolation)
        #expect(error?.pointer == "/data_base64")
    }

    // MARK: Definitions

    static let invalidDefinitions: [(text: String, field: String)] = [
        (#"{"id":"w","steps":[{"id":"a","type":"task","taskType":"t","nxet":"b"}]}"#, "/steps/0/nxet"),
        (#"{"id":"w","steps":[{"id":"a","type":"sleep"}]}"#, "/steps/0/type"),
        (#"{"id":"w","steps":[{"id":"a","type":"task","taskType":"t","retry":{"maxAttempts":0}}]}"#, "/steps/0/retry/maxAttempts"),
        (#"{"id":"w","steps":[{"id":"a","type":"task","taskType":"t","retry":{"jitter":"lots"}}]}"#, "/steps/0/retry/jitter"),
        (#"{"id":"w","steps":[{"id":"a","type":"task","taskType":"t","heartbeatTimeout":"often"}]}"#, "/steps/0/heartbeatTimeout"),
        (#"{"id":"w","steps":[{"id":"a","type":"wait","duration":"later"}]}"#, "/steps/0/duration"),
        (#"{"id":"w","steps":[{"id":"a","type":"task"}]}"#, "/steps/0/taskType"),
        (#"{"id":"w","steps":[{"id":"a","type":"task","taskType":"bad topic"}]}"#, "/steps/0/taskType"),
        (#"{"id":"w","steps":[{"id":"a","type":"task","taskType":"t","timeout":"soon"}]}"#, "/steps/0/timeout"),
        (#"{"id":"w","steps":[{"id":"a","type":"choice","choices":[]}]}"#, "/steps/0/choices"),
        (#"{"id":"w","steps":[{"id":"a","type":"set","set":{}}]}"#, "/steps/0/set"),
        (#"{"id":"w","steps":[{"id":"a","type":"succeed","next":"a"}]}"#, "/steps/0/next"),
        (#"{"id":"w","steps":[{"id":"a","type":"fail","error":{"code":"E","reason":"x"}}]}"#, "/steps/0/error/reason"),
        (#"{"id":"w","steps":[]}"#, "/steps"),
        (#"{"id":"-w","steps":[{"id":"a","type":"succeed"}]}"#, "/id"),
        (#"{"steps":[{"id":"a","type":"succeed"}]}"#, "/id"),
        (#"{"id":"w","steps":[{"id":"a","type":"succeed"}],"triggers":[{"filter":"true"}]}"#, "/triggers/0/type"),
        (#"{"id":"w","steps":[{"id":"a","type":"succeed"}],"trigger":[]}"#, "/trigger"),
    ]

    @Test func definitionsTheCompilerRejectsTheSchemaRejectsForTheSameField() throws {
        let documents = try Self.invalidDefinitions.map { try JSONValue.parse($0.text) }
        let reports = try Contract.validate(documents, against: "workflow-definition")
        for (example, report) in zip(Self.invalidDefinitions, reports) {
            do {
                _ = try DefinitionCompiler.compile(text: example.text)
                Issue.record("the compiler accepted \(example.text)")
            } catch {
                #expect(error.issues.map(\.field).contains(example.field), "compiler on \(example.text): \(error)")
            }
            // For an unknown property the schema blames the object that has it; for the rest, the field.
            let blamed = report.violations.map { $0.keyword == "additionalProperties" ? $0.pointer + "/" + String(example.field.split(separator: "/").last ?? "") : $0.field }
            #expect(blamed.contains(example.field), "schema on \(example.text): \(report)")
        }
    }
}
