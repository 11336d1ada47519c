import BatonCore
import BatonExpressions
import BatonMessages
import BatonStore
import Foundation
import Testing

/// Replay fixtures: a definition and a recorded sequence of inputs, with the state, history and
/// effects (as their wire messages) each input produced when the fixture was recorded. Replaying
/// must give exactly the same, byte for byte in meaning: any change of behaviour shows up here as
/// a diff against a file a reviewer can read.
///
/// To record a new fixture (or re-record after an intended change), write its `definition` and
/// `inputs`, then run with `BATON_RECORD_REPLAYS=1`; review the diff before committing.
@Suite("Engine: replay fixtures")
struct ReplayTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Replays")
    static let fixtures = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".replay.json") }.sorted()

    @Test func thereAreFixtures() {
        #expect(Self.fixtures.count >= 2, "no replay fixtures under \(Self.directory.path)")
    }

    @Test(arguments: fixtures)
    func replayGivesTheRecordedStatesHistoryAndEffects(_ name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        let fixture = try JSONValue.parse(Array(Data(contentsOf: url)))
        let definition = try DefinitionCompiler.compile(text: try #require(fixture["definition"]?.stringValue), version: 1)
        let engine = Engine()
        var instance: WorkflowInstance?
        var recorded: [JSONValue] = []
        let inputs = try #require(fixture["inputs"]?.arrayValue)
        for (index, input) in inputs.enumerated() {
            let at = Timestamp(milliseconds: Int64(try #require(input["at"]?.intValue)))
            let transition: Transition
            switch input["kind"]?.stringValue {
            case "start":
                transition = engine.start(StartWorkflow(instanceId: "i1", input: input["input"] ?? .null, origin: "replay"), definition: definition, now: at)
            case "result":
                let result = try TaskResultCodec.decode(try #require(input["result"]))
                transition = engine.taskResultReceived(result, instance: try #require(instance), definition: definition, at: at)
            case "timer":
                transition = engine.timerFired(try #require(input["timerId"]?.stringValue), instance: try #require(instance), definition: definition, at: at)
            case "cancel":
                transition = engine.cancelRequested(reason: "replay", by: "test", instance: try #require(instance), definition: definition, at: at)
            case "child":
                let parent = ParentLink(instanceId: "i1", executionId: input["executionId"]?.stringValue ?? Execution.rootId, stepId: try #require(input["stepId"]?.stringValue), depth: 1)
                let outcome = ChildOutcome(
                    childId: try #require(input["childId"]?.stringValue), childWorkflowId: try #require(input["workflowId"]?.stringValue), parent: parent,
                    status: try #require(input["status"]?.stringValue.flatMap(InstanceStatus.init(rawValue:))), output: input["output"],
                    error: input["error"].flatMap(ErrorInfo.init(json:))
                )
                transition = engine.childEnded(outcome, instance: try #require(instance), definition: definition, at: at)
            case "event", "signal":
                let delivery = EventDelivery(
                    waitId: input["waitId"]?.stringValue, name: try #require(input["name"]?.stringValue), data: input["data"] ?? .null,
                    origin: input["origin"]?.stringValue ?? "replay"
                )
                transition = engine.eventReceived(delivery, instance: try #require(instance), definition: definition, at: at)
            case "pause", "resume", "retry":
                let current = try #require(instance)
                let outcome = switch input["kind"]?.stringValue {
                case "pause": engine.pauseRequested(reason: "replay", by: "test", instance: current, definition: definition, at: at)
                case "resume": engine.resumeRequested(reason: "replay", by: "test", instance: current, definition: definition, at: at)
                default: engine.retryRequested(reason: "replay", by: "test", instance: current, definition: definition, at: at)
                }
                transition = try outcome.get()
            case "rerun":
                transition = try engine.rerunRequested(
                    from: try #require(input["fromStep"]?.stringValue), input: input["input"], reason: "replay", by: "test",
                    instance: try #require(instance), definition: definition, at: at
                ).get()
            case let other:
                Issue.record("input \(index) has an unknown kind \(other ?? "nil")")
                return
            }
            instance = transition.instance
            recorded.append(Self.render(transition))
        }
        if ProcessInfo.processInfo.environment["BATON_RECORD_REPLAYS"] == "1" {
            guard case .object(var document) = fixture else { return }
            document["expected"] = .array(recorded)
            // Pretty and sorted, so a re-recording shows as a readable diff.
            let object = try JSONSerialization.jsonObject(with: Data(JSONValue.object(document).serializedBytes(sortedKeys: true)))
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]).write(to: url)
            return
        }
        let expected = try #require(fixture["expected"]?.arrayValue, "\(name) has no recorded 'expected': record it with BATON_RECORD_REPLAYS=1")
        #expect(expected.count == recorded.count)
        for (index, (want, got)) in zip(expected, recorded).enumerated() {
            for part in ["rejection", "history", "effects", "state"] {
                #expect(got[part] == want[part], "\(name), input \(index): \(part) differs\n got: \(got[part]?.serialized() ?? "nil")\nwant: \(want[part]?.serialized() ?? "nil")")
            }
        }
    }

    /// A transition as recorded: its stored state, history, and effects as the messages they
    /// become on Kafka.
    static func render(_ t: Transition) -> JSONValue {
        let topics = TopicNames()
        let effects: [JSONValue] = t.effects.map { effect in
            let wire: WireMessage
            switch effect {
            case .dispatchTask(let d): wire = TaskRequestCodec.encode(d, topics: topics)
            case .emitLifecycle(let e): wire = LifecycleCodec.encode(e, topics: topics)
            case .cancelTask(let c): wire = TaskCancellationCodec.encode(c, topics: topics)
            case .startChild(let s):
                return ["startChild": ["childId": .string(s.childId), "workflowId": .string(s.workflowId), "version": s.version.map { .number(Double($0)) } ?? .null, "input": s.input, "parent": .string(s.parent.instanceId)]]
            case .cancelChild(let c):
                return ["cancelChild": ["childId": .string(c.childId), "reason": .string(c.reason)]]
            case .reportToParent(let o):
                return ["reportToParent": ["childId": .string(o.childId), "parent": .string(o.parent.instanceId), "status": .string(o.status.rawValue), "output": o.output ?? .null, "error": o.error?.json ?? .null]]
            }
            return ["topic": .string(wire.topic), "value": (try? JSONValue.parse(wire.value)) ?? .null]
        }
        return [
            "rejection": t.rejection.map { .string($0.rawValue) } ?? .null,
            "history": .array(t.history.map(\.json)),
            "effects": .array(effects),
            "state": (try? JSONValue.parse(StoredInstanceEncoder.encode(t.instance))) ?? .null,
        ]
    }
}
