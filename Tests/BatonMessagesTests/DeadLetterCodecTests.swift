import BatonCore
import BatonExpressions
import BatonMessages
import Testing

@Suite("Dead letters on <prefix>dlq")
struct DeadLetterCodecTests {
    static let value = Array(#"{"taskId":"t","instanceId":"i","stepId":"s","attempt":0,"status":"completed"}"#.utf8)

    static func encode(_ error: MessageError, headers: [WireHeader] = [WireHeader("traceparent", "00-abc-def-01")], topics: TopicNames = TopicNames()) -> WireMessage {
        DeadLetterCodec.encode(
            error: error, topic: "baton.task-results", partition: 3, offset: 1_234_567_890_123, key: Array("i".utf8), value: value,
            headers: headers, at: Times.t0, topics: topics
        )
    }

    @Test func deadLetterKeepsTheOriginalAndSaysWhyAndWhereItCameFrom() {
        let wire = Self.encode(MessageError(.schemaViolation, "field 'attempt' must be an integer ≥ 1, found 0", pointer: "/attempt"))
        #expect(wire.topic == "baton.dlq")
        #expect(wire.key == Array("i".utf8))
        #expect(wire.value == Self.value)
        #expect(wire.headers == [
            WireHeader("traceparent", "00-abc-def-01"),
            WireHeader("baton-dlq-reason", "SCHEMA_VIOLATION"),
            WireHeader("baton-dlq-message", "field 'attempt' must be an integer ≥ 1, found 0"),
            WireHeader("baton-dlq-pointer", "/attempt"),
            WireHeader("baton-dlq-source-topic", "baton.task-results"),
            WireHeader("baton-dlq-source-partition", "3"),
            WireHeader("baton-dlq-source-offset", "1234567890123"),
            WireHeader("baton-dlq-time", "2026-11-27T21:15:51.120Z"),
        ])
    }

    @Test func deadLetterWithoutAPointerHasNoPointerHeader() {
        let wire = Self.encode(MessageError(.malformed, "not valid JSON"), headers: [])
        #expect(wire.headers.map(\.key) == [
            "baton-dlq-reason", "baton-dlq-message", "baton-dlq-source-topic", "baton-dlq-source-partition",
            "baton-dlq-source-offset", "baton-dlq-time",
        ])
        #expect(wire.headers.first == WireHeader("baton-dlq-reason", "MALFORMED"))
    }

    @Test func longMessagesAreCutToAThousandCharacters() {
        let wire = Self.encode(MessageError(.mappingFailed, String(repeating: "é", count: 1500)))
        let message = wire.headers.first { $0.key == DeadLetterCodec.messageHeader }?.stringValue
        #expect(message == String(repeating: "é", count: 1000))
    }

    @Test func everyReasonTravelsAsItsDocumentedName() {
        let reasons: [(MessageError.Reason, String)] = [
            (.malformed, "MALFORMED"), (.schemaViolation, "SCHEMA_VIOLATION"), (.oversized, "OVERSIZED"),
            (.unknownInstance, "UNKNOWN_INSTANCE"), (.unknownWorkflow, "UNKNOWN_WORKFLOW"),
            (.noTrigger, "NO_MATCHING_TRIGGER"), (.mappingFailed, "MAPPING_FAILED"),
        ]
        for (reason, name) in reasons {
            let wire = Self.encode(MessageError(reason, "x"))
            #expect(wire.headers.first { $0.key == "baton-dlq-reason" }?.stringValue == name)
        }
    }

    @Test func headerNamesAreTheDocumentedOnes() {
        #expect([
            DeadLetterCodec.reasonHeader, DeadLetterCodec.messageHeader, DeadLetterCodec.pointerHeader, DeadLetterCodec.topicHeader,
            DeadLetterCodec.partitionHeader, DeadLetterCodec.offsetHeader, DeadLetterCodec.timeHeader,
        ] == [
            "baton-dlq-reason", "baton-dlq-message", "baton-dlq-pointer", "baton-dlq-source-topic",
            "baton-dlq-source-partition", "baton-dlq-source-offset", "baton-dlq-time",
        ])
    }

    @Test func deadLetterTopicFollowsThePrefix() {
        #expect(Self.encode(MessageError(.malformed, "x"), topics: TopicNames(prefix: "eu1.")).topic == "eu1.dlq")
    }

    @Test func rejectedResultCarriesTheCodecsReasonAndPointer() throws {
        // The path a bad result takes: decode fails, the error goes into the headers as is.
        let error = try #require(MessageError.thrown { try TaskResultCodec.decode(Self.value) })
        let wire = Self.encode(error)
        #expect(wire.headers.first { $0.key == "baton-dlq-reason" }?.stringValue == "SCHEMA_VIOLATION")
        #expect(wire.headers.first { $0.key == "baton-dlq-pointer" }?.stringValue == "/attempt")
    }
}
