import BatonCore
import BatonExpressions
import BatonMessages
import Testing

@Suite("Trigger events on <prefix>triggers (CloudEvents, both content modes)")
struct CloudEventCodecTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    static let orderData: JSONValue = ["orderId": "o-1", "sku": "book", "quantity": 2, "amount": 42]

    static let exampleEvent = CloudEvent(
        id: "order-1", source: "/shop/orders", type: "com.example.order.created", specversion: "1.0", subject: "o-1",
        time: "2026-11-27T21:15:50Z", datacontenttype: "application/json", dataschema: nil, data: orderData,
        extensions: ["traceparent": .string(traceparent)]
    )

    static func binaryHeaders(_ extra: [WireHeader] = [], without: Set<String> = []) -> [WireHeader] {
        let base = [
            WireHeader("ce_specversion", "1.0"), WireHeader("ce_id", "order-1"), WireHeader("ce_source", "/shop/orders"),
            WireHeader("ce_type", "com.example.order.created"), WireHeader("ce_subject", "o-1"),
            WireHeader("ce_time", "2026-11-27T21:15:50Z"), WireHeader("ce_traceparent", traceparent),
            WireHeader("content-type", "application/json"),
        ]
        return base.filter { !without.contains($0.key) } + extra
    }

    static let orderDataBytes = Array(#"{"orderId":"o-1","sku":"book","quantity":2,"amount":42}"#.utf8)

    // MARK: Structured mode

    @Test func structuredExampleDecodesWithItsExtension() throws {
        let value = try Contract.bytes(ofFile: Contract.examplePath("trigger-event.example.json"))
        #expect(try CloudEventCodec.decode(value: value, headers: []) == Self.exampleEvent)
    }

    @Test func structuredDocumentIsWhatFiltersAndMappingsSee() throws {
        let value = try Contract.bytes(ofFile: Contract.examplePath("trigger-event.example.json"))
        let event = try CloudEventCodec.decode(value: value, headers: [])
        #expect(event.json == (try JSONValue.parse(value)))
    }

    @Test func structuredEventNeedsOnlyTheFourRequiredAttributes() throws {
        let value = Array(#"{"specversion":"1.0","id":"e-1","source":"shop","type":"t"}"#.utf8)
        let event = try CloudEventCodec.decode(value: value, headers: [])
        #expect(event == CloudEvent(id: "e-1", source: "shop", type: "t", datacontenttype: nil))
        #expect(event.data == nil)
    }

    struct Rejection: Sendable, CustomTestStringConvertible {
        var name: String
        var value: String
        var expected: MessageError
        var testDescription: String { name }
    }

    static let structuredRejections: [Rejection] = [
        Rejection(name: "missing id", value: #"{"specversion":"1.0","source":"shop","type":"t"}"#,
                  expected: MessageError(.schemaViolation, "required field 'id' is missing", pointer: "/id")),
        Rejection(name: "missing source", value: #"{"specversion":"1.0","id":"e","type":"t"}"#,
                  expected: MessageError(.schemaViolation, "required field 'source' is missing", pointer: "/source")),
        Rejection(name: "missing type", value: #"{"specversion":"1.0","id":"e","source":"shop"}"#,
                  expected: MessageError(.schemaViolation, "required field 'type' is missing", pointer: "/type")),
        Rejection(name: "missing specversion", value: #"{"id":"e","source":"shop","type":"t"}"#,
                  expected: MessageError(.schemaViolation, "required field 'specversion' is missing", pointer: "/specversion")),
        Rejection(name: "specversion 0.3", value: #"{"specversion":"0.3","id":"e","source":"shop","type":"t"}"#,
                  expected: MessageError(.schemaViolation, "unsupported CloudEvents specversion '0.3': Baton reads 1.0", pointer: "/specversion")),
        Rejection(name: "specversion as a number", value: #"{"specversion":1.0,"id":"e","source":"shop","type":"t"}"#,
                  expected: MessageError(.schemaViolation, "field 'specversion' must be a non-empty string, found 1", pointer: "/specversion")),
        Rejection(name: "empty id", value: #"{"specversion":"1.0","id":"","source":"shop","type":"t"}"#,
                  expected: MessageError(.schemaViolation, "field 'id' must be a non-empty string, found \"\"", pointer: "/id")),
        Rejection(name: "numeric subject", value: #"{"specversion":"1.0","id":"e","source":"shop","type":"t","subject":5}"#,
                  expected: MessageError(.schemaViolation, "field 'subject' must be a string, found 5", pointer: "/subject")),
        Rejection(name: "an array", value: "[]",
                  expected: MessageError(.schemaViolation, "a CloudEvent must be a JSON object, found array", pointer: "")),
    ]

    @Test(arguments: structuredRejections)
    func structuredEventsWithoutValidRequiredAttributesAreRejected(_ rejection: Rejection) {
        let error = #expect(throws: MessageError.self) { try CloudEventCodec.decode(value: Array(rejection.value.utf8), headers: []) }
        #expect(error == rejection.expected)
    }

    @Test func structuredValueThatIsNotJSONIsMalformed() {
        let error = #expect(throws: MessageError.self) { try CloudEventCodec.decode(value: Array("specversion=1.0".utf8), headers: []) }
        #expect(error?.reason == .malformed)
    }

    @Test func structuredValueOverTheLimitIsOversized() {
        let value = Array(#"{"specversion":"1.0","id":"e","source":"shop","type":"t"}"#.utf8)
        let error = #expect(throws: MessageError.self) { try CloudEventCodec.decode(value: value, headers: [], maxBytes: 20) }
        #expect(error == MessageError(.oversized, "the value is \(value.count) bytes; the limit is 20"))
    }

    // MARK: Binary mode

    @Test func binaryEventTakesAttributesFromHeadersAndDataFromTheValue() throws {
        let event = try CloudEventCodec.decode(value: Self.orderDataBytes, headers: Self.binaryHeaders())
        #expect(event == Self.exampleEvent)
    }

    @Test func bothModesGiveFiltersTheSameDocument() throws {
        let structured = try CloudEventCodec.decode(value: try Contract.bytes(ofFile: Contract.examplePath("trigger-event.example.json")), headers: [])
        let binary = try CloudEventCodec.decode(value: Self.orderDataBytes, headers: Self.binaryHeaders())
        #expect(binary.json == structured.json)
    }

    @Test func binaryEventWithoutContentTypeReadsTheValueAsJSON() throws {
        let event = try CloudEventCodec.decode(value: Self.orderDataBytes, headers: Self.binaryHeaders(without: ["content-type"]))
        #expect(event.data == Self.orderData)
        #expect(event.datacontenttype == nil)
    }

    @Test func binaryEventWithJSONSuffixContentTypeReadsTheValueAsJSON() throws {
        let event = try CloudEventCodec.decode(
            value: Self.orderDataBytes,
            headers: Self.binaryHeaders([WireHeader("content-type", "application/vnd.shop.order+json")], without: ["content-type"])
        )
        #expect(event.data == Self.orderData)
        #expect(event.datacontenttype == "application/vnd.shop.order+json")
    }

    @Test func binaryEventWithTextDataKeepsItAsAString() throws {
        let event = try CloudEventCodec.decode(
            value: Array("order o-1 created".utf8),
            headers: Self.binaryHeaders([WireHeader("content-type", "text/plain")], without: ["content-type"])
        )
        #expect(event.data == "order o-1 created")
    }

    @Test func binaryEventWithAnEmptyValueHasNoData() throws {
        let event = try CloudEventCodec.decode(value: [], headers: Self.binaryHeaders())
        #expect(event.data == nil)
        #expect(event.json["data"] == nil)
    }

    @Test func binaryExtensionsAreStrings() throws {
        let event = try CloudEventCodec.decode(value: [], headers: Self.binaryHeaders([WireHeader("ce_priority", "5")]))
        #expect(event.extensions == ["traceparent": .string(Self.traceparent), "priority": "5"])
    }

    static let binaryRejections: [(header: String, expected: MessageError)] = [
        ("ce_id", MessageError(.schemaViolation, "binary-mode CloudEvent lacks header 'ce_id'", pointer: "/id")),
        ("ce_source", MessageError(.schemaViolation, "binary-mode CloudEvent lacks header 'ce_source'", pointer: "/source")),
        ("ce_type", MessageError(.schemaViolation, "binary-mode CloudEvent lacks header 'ce_type'", pointer: "/type")),
    ]

    @Test func binaryEventsWithoutARequiredHeaderAreRejected() {
        for (header, expected) in Self.binaryRejections {
            let missing = #expect(throws: MessageError.self) {
                try CloudEventCodec.decode(value: Self.orderDataBytes, headers: Self.binaryHeaders(without: [header]))
            }
            #expect(missing == expected, "without \(header)")
            let empty = #expect(throws: MessageError.self) {
                try CloudEventCodec.decode(value: Self.orderDataBytes, headers: Self.binaryHeaders([WireHeader(header, "")], without: [header]))
            }
            #expect(empty == expected, "with an empty \(header)")
        }
    }

    @Test func binaryEventWithAnotherSpecVersionIsRejected() {
        let error = #expect(throws: MessageError.self) {
            try CloudEventCodec.decode(value: [], headers: Self.binaryHeaders([WireHeader("ce_specversion", "0.3")], without: ["ce_specversion"]))
        }
        #expect(error == MessageError(.schemaViolation, "unsupported CloudEvents specversion '0.3': Baton reads 1.0", pointer: "/specversion"))
    }

    @Test func binaryHeaderThatIsNotUTF8IsMalformed() {
        let error = #expect(throws: MessageError.self) {
            try CloudEventCodec.decode(value: [], headers: Self.binaryHeaders([WireHeader(key: "ce_tenant", value: [0xC3, 0x28])]))
        }
        #expect(error == MessageError(.malformed, "header 'ce_tenant' is not UTF-8"))
    }

    @Test func binaryDataThatIsNeitherJSONNorTextIsMalformed() {
        let error = #expect(throws: MessageError.self) {
            try CloudEventCodec.decode(value: [0x00, 0xFF, 0xFE], headers: Self.binaryHeaders([WireHeader("content-type", "application/octet-stream")], without: ["content-type"]))
        }
        #expect(error == MessageError(.malformed, "data of content type 'application/octet-stream' is not UTF-8 text; send JSON"))
    }

    @Test func binaryJSONDataThatDoesNotParseIsMalformed() {
        let error = #expect(throws: MessageError.self) {
            try CloudEventCodec.decode(value: Array("{oops".utf8), headers: Self.binaryHeaders())
        }
        #expect(error?.reason == .malformed)
        #expect(error?.message.hasPrefix("not valid JSON: ") == true)
    }

    // MARK: Mode and content-type decisions of the CloudEvents Kafka binding

    @Test func structuredEventWithMirroredAttributeHeadersIsReadAsStructured() throws {
        // Baton's own lifecycle events are structured with `ce_` mirror headers; forwarded to the
        // triggers topic (workflow chaining), they must decode as the event they are. The Kafka
        // binding decides by `content-type: application/cloudevents…`, not by `ce_specversion`.
        let lifecycle = LifecycleEvent(
            id: "i-1.7", type: .workflowCompleted, instanceId: "i-1", workflowId: "w", workflowVersion: 1, status: "COMPLETED",
            output: ["ok": true], durationMilliseconds: 5, time: Times.t0
        )
        let wire = LifecycleCodec.encode(lifecycle, topics: TopicNames())
        let decoded = try CloudEventCodec.decode(value: wire.value, headers: wire.headers)
        #expect(decoded == LifecycleCodec.cloudEvent(lifecycle))
    }

    @Test func binaryJSONContentTypeWithParametersIsReadAsJSON() throws {
        let event = try CloudEventCodec.decode(
            value: Self.orderDataBytes,
            headers: Self.binaryHeaders([WireHeader("content-type", "application/vnd.shop.order+json; charset=utf-8")], without: ["content-type"])
        )
        #expect(event.data == Self.orderData)
    }
}
