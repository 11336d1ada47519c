import BatonCore
import BatonExpressions
import BatonMessages
import BatonRuntime
import BatonStore
import Synchronization
import Testing

/// A trigger that fails for one definition (its filter or input mapping cannot be evaluated on an
/// event) belongs to that definition: the others the event matches still start. It used to
/// dead-letter the whole event, so no definition started.
@Suite("Trigger failures")
struct TriggerFailureTests {
    static let healthy = """
        id: healthy
        triggers:
          - type: order.created
        steps:
          - id: done
            type: succeed
        """
    /// `$.data.total > 5` cannot compare a string with a number.
    static let broken = """
        id: broken
        triggers:
          - type: order.created
            filter: "$.data.total > 5"
        steps:
          - id: done
            type: succeed
        """

    let topics = TopicNames()

    func event(_ id: String, headers: [WireHeader] = []) -> InboundMessage {
        let wire = CloudEventCodec.encodeStructured(CloudEvent(id: id, source: "shop", type: "order.created", data: ["total": "lots"]), topic: topics.triggers, key: nil)
        return InboundMessage(topic: topics.triggers, partition: 0, offset: 7, key: nil, value: wire.value, headers: wire.headers + headers)
    }

    func orchestrator(_ store: InMemoryStore) -> Orchestrator {
        let counter = Mutex(0)
        return Orchestrator(store: store, clock: { Timestamp(milliseconds: 1_800_000_000_000) }, makeId: { "inst-\(counter.withLock { $0 += 1; return $0 })" })
    }

    @Test func aFilterThatFailsForOneDefinitionDeadLettersItAndStartsTheOthers() async throws {
        let store = InMemoryStore()
        let o = orchestrator(store)
        _ = try await o.registerDefinition(text: Self.broken)
        _ = try await o.registerDefinition(text: Self.healthy)
        let report = try await o.process([event("e-1")])
        #expect(report.started == 1)
        #expect(report.deadLettered == 1)
        #expect(try await store.instance(id: "inst-1")?.workflowId == "healthy")

        let letters = try await store.deadLetters(DeadLetterQuery())
        #expect(letters.count == 1)
        let letter = try #require(letters.first)
        #expect(letter.reason == "MAPPING_FAILED")
        #expect(letter.message.contains("trigger of 'broken' v1 failed on this event"))
        #expect(letter.headers.contains(OutboxHeader(key: Orchestrator.onlyWorkflowHeader, value: Array("broken".utf8))))

        // Redelivered: nothing starts twice, nothing is dead-lettered twice.
        let again = try await o.process([event("e-1")])
        #expect(again.started == 0 && again.deadLettered == 0)

        // Fixed and redriven: the copy starts the definition it names, only that one, once.
        _ = try await o.registerDefinition(text: Self.broken.replacingOccurrences(of: "$.data.total > 5", with: "len($.data.total) > 2"))
        let redriven = event("e-1", headers: [WireHeader(Orchestrator.onlyWorkflowHeader, "broken")])
        let fixed = try await o.process([redriven])
        #expect(fixed.started == 1)
        #expect(try await store.instance(id: "inst-2")?.workflowId == "broken")
        #expect(try await o.process([redriven]).started == 0)
        #expect(try await store.instances(InstanceQuery()).instances.count == 2)
    }

    /// A gap the consumer reports (offsets retention deleted before Baton read them) becomes one
    /// LOST_TO_RETENTION dead letter naming the range, however often it is reported.
    @Test func offsetsLostToRetentionAreDeadLetteredOnceWithTheirRange() async throws {
        let store = InMemoryStore()
        let o = orchestrator(store)
        let marker = InboundMessage(topic: topics.triggers, partition: 2, offset: 41, key: nil, value: [], lostOffsets: 5..<42)
        let report = try await o.process([marker])
        #expect(report.deadLettered == 1)
        let letter = try #require(try await store.deadLetters(DeadLetterQuery()).first)
        #expect(letter.reason == "LOST_TO_RETENTION")
        #expect(letter.sourceTopic == topics.triggers)
        #expect(letter.sourcePartition == 2)
        #expect(letter.sourceOffset == 5)
        #expect(letter.message.contains("offsets 5–41"))
        let value = try JSONValue.parse(letter.value)
        #expect(value["count"] == 37)
        #expect(value["lastLostOffset"] == 41)
        // Reported again (a restart before the offsets moved on): recorded once.
        #expect(try await o.process([marker]).deadLettered == 0)
        #expect(try await store.deadLetters(DeadLetterQuery()).count == 1)
        // Not a message: nothing to redrive.
        await #expect(throws: ServiceError.self) { _ = try await o.redrive(ids: [letter.id], by: "ops") }
        #expect(o.counters.deadLettered["LOST_TO_RETENTION"] == 1)
    }

    @Test func anInputThatBreaksTheInputSchemaIsDeadLetteredAsInvalidInputForThatDefinitionOnly() async throws {
        let store = InMemoryStore()
        let o = orchestrator(store)
        _ = try await o.registerDefinition(text: """
            id: strict
            triggers:
              - type: order.created
            inputSchema: {type: object, properties: {total: {type: number}}, required: [total]}
            steps:
              - id: done
                type: succeed
            """)
        _ = try await o.registerDefinition(text: Self.healthy)
        let report = try await o.process([event("e-2")])
        #expect(report.started == 1)
        #expect(try await store.instance(id: "inst-1")?.workflowId == "healthy")
        let letter = try #require(try await store.deadLetters(DeadLetterQuery()).first)
        #expect(letter.reason == "INVALID_INPUT")
        #expect(letter.pointer == "/total")
        #expect(letter.message.contains("the input for 'strict' v1 does not match its inputSchema"))
        #expect(letter.headers.contains(OutboxHeader(key: Orchestrator.onlyWorkflowHeader, value: Array("strict".utf8))))
    }
}
