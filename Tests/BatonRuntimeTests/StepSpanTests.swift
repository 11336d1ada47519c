import BatonCore
import BatonExpressions
import BatonMessages
import BatonStore
import BatonTracing
import Synchronization
import Testing
import Tracing

@testable import BatonRuntime

/// Workflow and step spans from committed transitions, through swift-distributed-tracing with
/// Baton's tracer: the ids are the ones the instance's Kafka records carry, the times the engine's.
@Suite struct StepSpanTests {
    static let definition = """
        id: spanned
        steps:
          - {id: call, type: task, taskType: spans.call, next: check}
          - {id: check, type: task, taskType: spans.check}
        """
    let topics = TopicNames()
    static let callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

    final class Clock: Sendable {
        let milliseconds = Mutex<Int64>(1_800_000_000_000)
        func advance(_ ms: Int64) { milliseconds.withLock { $0 += ms } }
        var now: Timestamp { Timestamp(milliseconds: milliseconds.withLock { $0 }) }
    }

    func orchestrator(buffer: SpanBuffer?, clock: Clock) async throws -> Orchestrator {
        let commits = CommitPath(store: InMemoryStore(), spans: buffer.map { SpanReporter(tracer: BatonTracer(buffer: $0)) })
        let o = Orchestrator(commits: commits, clock: { clock.now }, makeId: { "inst-1" })
        _ = try await o.registerDefinition(text: Self.definition)
        return o
    }

    func answer(_ o: Orchestrator, _ id: String, failing: Bool = false) async throws {
        let instance = try await o.api.instance(id: id)
        let task = try #require(instance.activeTasks.values.first)
        let result = TaskResult(
            taskId: task.taskId, instanceId: id, stepId: task.stepId, attempt: task.attempt, status: failing ? .failed : .completed, output: [:],
            error: failing ? ErrorInfo(code: "DECLINED", message: "card declined") : nil
        )
        let wire = TaskResultCodec.encode(result, topics: topics)
        _ = try await o.process([InboundMessage(topic: topics.taskResults, partition: 0, offset: 1, key: wire.key, value: wire.value, headers: [])])
    }

    @Test func aWorkflowIsOneTraceAndEachStepAttemptASpanWithTheIdsItsRecordsCarry() async throws {
        let buffer = SpanBuffer()
        let clock = Clock()
        let o = try await orchestrator(buffer: buffer, clock: clock)
        let caller = try #require(TraceContext(traceparent: "00-\(Self.callerTrace)-00f067aa0ba902b7-01", tracestate: "rojo=1"))
        let started = try await o.startInstance(workflowId: "spanned", version: nil, input: [:], idempotencyKey: nil, trace: caller)
        let id = started.instance.id
        let first = try #require(try await o.api.instance(id: id).activeTasks.values.first)
        #expect(buffer.count == 0, "nothing has ended yet")
        clock.advance(250)
        try await answer(o, id)
        let second = try #require(try await o.api.instance(id: id).activeTasks.values.first)
        clock.advance(1_000)
        try await answer(o, id, failing: true)

        let spans = buffer.drain(limit: 10)
        #expect(spans.map(\.name) == ["step call", "step check", "workflow spanned"])
        let (call, check, workflow) = (spans[0], spans[1], spans[2])
        #expect(Set(spans.map(\.traceId)) == [Self.callerTrace])
        #expect(Set(spans.map(\.traceState)) == ["rojo=1"])
        // The workflow span is the caller's child; each step span has the id its task request carried.
        #expect(workflow.spanId == TraceContext.workflowSpan(id))
        #expect(workflow.parentSpanId == "00f067aa0ba902b7")
        #expect(call.spanId == TraceContext.taskSpan(id, first.taskId))
        #expect(check.spanId == TraceContext.taskSpan(id, second.taskId))
        #expect(call.parentSpanId == workflow.spanId && check.parentSpanId == workflow.spanId)
        #expect(call.kind == .producer && workflow.kind == .internal)
        // Times are the engine's: dispatch to result.
        let t0: UInt64 = 1_800_000_000_000 * 1_000_000
        #expect(call.startNanoseconds == t0 && call.endNanoseconds == t0 + 250_000_000)
        #expect(check.startNanoseconds == t0 + 250_000_000 && check.endNanoseconds == t0 + 1_250_000_000)
        #expect(workflow.startNanoseconds == t0 && workflow.endNanoseconds == t0 + 1_250_000_000)
        #expect(call.status == nil)
        #expect(check.status == SpanStatus(code: .error, message: "DECLINED: card declined"))
        #expect(workflow.status?.code == .error)
        #expect(check.attributes.get("baton.task.type") == .string("spans.check"))
        #expect(check.attributes.get("baton.task.attempt") == .int64(1))
        #expect(check.attributes.get("baton.error.code") == .string("DECLINED"))
        #expect(workflow.attributes.get("baton.instance.id") == .string(id))
        #expect(workflow.attributes.get("baton.status") == .string("FAILED"))
    }

    @Test func aWorkflowNothingTracedIsTheRootOfItsOwnTraceAndAnUnsampledOneReportsNothing() async throws {
        let buffer = SpanBuffer()
        let clock = Clock()
        let o = try await orchestrator(buffer: buffer, clock: clock)
        let id = try await o.startInstance(workflowId: "spanned", version: nil, input: [:], idempotencyKey: nil).instance.id
        try await answer(o, id)
        try await answer(o, id)
        let spans = buffer.drain(limit: 10)
        let workflow = try #require(spans.last)
        #expect(workflow.name == "workflow spanned" && workflow.parentSpanId == nil && workflow.status == nil)
        #expect(workflow.traceId == TraceContext.begun(for: id).traceId)

        let unsampled = try await orchestrator(buffer: buffer, clock: clock)
        let caller = try #require(TraceContext(traceparent: "00-\(Self.callerTrace)-00f067aa0ba902b7-00"))
        let other = try await unsampled.startInstance(workflowId: "spanned", version: nil, input: [:], idempotencyKey: nil, trace: caller).instance.id
        try await answer(unsampled, other)
        try await answer(unsampled, other)
        #expect(try await unsampled.api.instance(id: other).status == .completed)
        #expect(buffer.count == 0, "the caller did not sample this trace")
    }
}
