import BatonCore
import BatonExpressions
import BatonMessages
import BatonStore
import BatonStorePostgres
import BatonTestSupport
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

    /// The spans `o` has reported so far (made from what its commits queued).
    func spans(_ o: Orchestrator, _ buffer: SpanBuffer) -> [FinishedSpan] {
        o.commits.spans?.flush()
        return buffer.drain(limit: 100)
    }

    func answer(_ o: Orchestrator, _ id: String, failing: Bool = false) async throws {
        let instance = try await o.api.instance(id: id)
        let task = try #require(instance.activeTasks.values.first)
        let result = TaskResult(
            taskId: task.taskId, instanceId: id, stepId: task.stepId, attempt: task.attempt, status: failing ? .failed : .completed, output: [:],
            error: failing ? ErrorInfo(code: "DECLINED", message: "card declined") : nil
        )
        let wire = TaskResultCodec.encode(result, topics: topics)
        // Another process may have moved the instance on since this one cached it: decided again.
        try await o.processDecidingAgain(InboundMessage(topic: topics.taskResults, partition: 0, offset: 1, key: wire.key, value: wire.value, headers: []))
    }

    @Test func aWorkflowIsOneTraceAndEachStepAttemptASpanWithTheIdsItsRecordsCarry() async throws {
        let buffer = SpanBuffer()
        let clock = Clock()
        let o = try await orchestrator(buffer: buffer, clock: clock)
        let caller = try #require(TraceContext(traceparent: "00-\(Self.callerTrace)-00f067aa0ba902b7-01", tracestate: "rojo=1"))
        let started = try await o.startInstance(workflowId: "spanned", version: nil, input: [:], idempotencyKey: nil, trace: caller)
        let id = started.instance.id
        let first = try #require(try await o.api.instance(id: id).activeTasks.values.first)
        #expect(spans(o, buffer).isEmpty, "nothing has ended yet")
        clock.advance(250)
        try await answer(o, id)
        let second = try #require(try await o.api.instance(id: id).activeTasks.values.first)
        clock.advance(1_000)
        try await answer(o, id, failing: true)

        let spans = spans(o, buffer)
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
        let workflow = try #require(spans(o, buffer).last)
        #expect(workflow.name == "workflow spanned" && workflow.parentSpanId == nil && workflow.status == nil)
        #expect(workflow.traceId == TraceContext.begun(for: id).traceId)

        let unsampled = try await orchestrator(buffer: buffer, clock: clock)
        let caller = try #require(TraceContext(traceparent: "00-\(Self.callerTrace)-00f067aa0ba902b7-00"))
        let other = try await unsampled.startInstance(workflowId: "spanned", version: nil, input: [:], idempotencyKey: nil, trace: caller).instance.id
        try await answer(unsampled, other)
        try await answer(unsampled, other)
        #expect(try await unsampled.api.instance(id: other).status == .completed)
        #expect(spans(unsampled, buffer).isEmpty, "the caller did not sample this trace")
    }

    /// Two processes on one PostgreSQL database: a step dispatched by one and answered through the
    /// other is one span, reported once, by the process whose commit ended it — a batch the store
    /// refused (stale) reports nothing, the batch decided again reports it.
    @Test func onPostgreSQLEachSpanIsReportedOnceByTheProcessThatEndedIt() async throws {
        let configuration = try await PostgresTestServer.shared.makeDatabase()
        defer { Task { await PostgresTestServer.shared.dropDatabase(configuration) } }
        let storeA = try await PostgresStore.open(configuration, ownership: .shared)
        let storeB = try await PostgresStore.open(configuration, ownership: .shared)
        defer { Task { await storeA.close(); await storeB.close() } }
        let (bufferA, bufferB) = (SpanBuffer(), SpanBuffer())
        let clock = Clock()
        func make(_ store: any WorkflowStore, _ buffer: SpanBuffer) -> Orchestrator {
            Orchestrator(commits: CommitPath(store: store, spans: SpanReporter(tracer: BatonTracer(buffer: buffer))), clock: { clock.now }, makeId: { "pg-1" })
        }
        let (a, b) = (make(storeA, bufferA), make(storeB, bufferB))
        _ = try await a.registerDefinition(text: Self.definition)
        _ = try await b.learnNewDefinitions()
        let caller = try #require(TraceContext(traceparent: "00-\(Self.callerTrace)-00f067aa0ba902b7-01"))
        let id = try await a.startInstance(workflowId: "spanned", version: nil, input: [:], idempotencyKey: nil, trace: caller).instance.id
        let first = try #require(try await a.api.instance(id: id).activeTasks.values.first)
        clock.advance(100)
        try await answer(b, id)  // B ends the step A dispatched.
        let second = try #require(try await b.api.instance(id: id).activeTasks.values.first)
        clock.advance(100)
        try await answer(a, id)  // A holds the instance as it dispatched it: refused stale, decided again.

        let spansA = spans(a, bufferA)
        let spansB = spans(b, bufferB)
        #expect(spansB.map(\.name) == ["step call"])
        #expect(spansB.first?.spanId == TraceContext.taskSpan(id, first.taskId))
        #expect(spansB.first.map { $0.endNanoseconds - $0.startNanoseconds } == 100_000_000)
        #expect(spansA.map(\.name) == ["step check", "workflow spanned"])
        #expect(spansA.first?.spanId == TraceContext.taskSpan(id, second.taskId))
        #expect(spansA.last?.spanId == TraceContext.workflowSpan(id))
        #expect(try await a.api.instance(id: id).status == .completed)
        #expect(a.counters.commitsRefusedStale >= 1, "A's first decision was refused: the path this test is about")
    }

    /// The commit path only queues; past the reporter's bound observations are dropped and
    /// counted, never piled up behind a stalled export.
    @Test func theReportQueueIsBounded() {
        let buffer = SpanBuffer()
        let reporter = SpanReporter(tracer: BatonTracer(buffer: buffer), capacity: 2)
        let trace = TraceContext.begun(for: "i")
        let observations = (1...5).compactMap { n in
            SpanObservation.of(
                LifecycleEvent(id: "i.\(n)", type: .stepCompleted, instanceId: "i", workflowId: "w", workflowVersion: 1, stepId: "s", taskId: "t\(n)", status: "COMPLETED", durationMilliseconds: 5, time: Timestamp(milliseconds: 1_000)),
                trace: trace, taskType: nil
            )
        }
        #expect(observations.count == 5)
        reporter.report(observations)
        #expect(buffer.count == 0, "nothing is made before flush")
        reporter.flush()
        #expect(buffer.drain(limit: 10).map(\.spanId) == [TraceContext.taskSpan("i", "t1"), TraceContext.taskSpan("i", "t2")])
        #expect(reporter.dropped == 3)
    }
}
