import BatonCore
import Tracing

/// A span a committed lifecycle event ends: the workflow's (from its start to its end) or one
/// attempt of a step (from its dispatch to its result). Taken from the same events as the metrics
/// and reported only once the batch is durable, with the times the engine stamped — so the span
/// of a task dispatched by one process and answered through another is reported whole, once.
///
/// Kept as the event itself until the export loop turns it into a span (`shape`): the decision
/// and the commit path only filter and copy.
struct SpanObservation: Sendable {
    let event: LifecycleEvent
    let trace: TraceContext
    let taskType: String?

    /// The observation of `event` in `trace`, if it ends a span (unsampled traces report none: the
    /// caller decided).
    static func of(_ event: LifecycleEvent, trace: TraceContext, taskType: String?) -> SpanObservation? {
        guard trace.sampled, event.durationMilliseconds != nil else { return nil }
        switch event.type {
        case .workflowCompleted, .workflowFailed, .workflowCancelled, .workflowTimedOut: break
        case .stepCompleted, .stepRetrying, .stepFailed: guard event.stepId != nil else { return nil }
        default: return nil
        }
        return SpanObservation(event: event, trace: trace, taskType: taskType)
    }

    /// What the span is: its name, kind, ids, times, attributes and error.
    struct Shape {
        var name: String
        var kind: SpanKind
        var traceId: String
        /// The ids on the instance's Kafka records; nil for a step with no task (the tracer draws one).
        var spanId: String?
        var parentSpanId: String?
        var traceState: String?
        var start: Timestamp
        var end: Timestamp
        var attributes: SpanAttributes
        var error: String?
    }

    var shape: Shape {
        var attributes = SpanAttributes()
        attributes.set("baton.workflow.id", value: .string(event.workflowId))
        attributes.set("baton.workflow.version", value: .int64(Int64(event.workflowVersion)))
        attributes.set("baton.instance.id", value: .string(event.instanceId))
        attributes.set("baton.status", value: .string(event.status))
        if let code = event.error?.code { attributes.set("baton.error.code", value: .string(code)) }
        let error = event.error.map { "\($0.code): \($0.message)" }
        let start = Timestamp(milliseconds: event.time.milliseconds - (event.durationMilliseconds ?? 0))
        guard let stepId = event.stepId, event.type.rawValue.hasPrefix("step.") else {
            if let parent = event.parentInstanceId { attributes.set("baton.parent.instance.id", value: .string(parent)) }
            return Shape(
                name: "workflow \(event.workflowId)", kind: .internal, traceId: trace.traceId, spanId: TraceContext.workflowSpan(event.instanceId),
                parentSpanId: trace.parentId, traceState: trace.state, start: start, end: event.time, attributes: attributes,
                error: event.type == .workflowCancelled ? nil : error
            )
        }
        attributes.set("baton.step.id", value: .string(stepId))
        if let execution = event.executionId { attributes.set("baton.execution.id", value: .string(execution)) }
        if let taskId = event.taskId { attributes.set("baton.task.id", value: .string(taskId)) }
        if let taskType { attributes.set("baton.task.type", value: .string(taskType)) }
        if let attempt = event.attempt { attributes.set("baton.task.attempt", value: .int64(Int64(attempt))) }
        if let child = event.childInstanceId { attributes.set("baton.child.instance.id", value: .string(child)) }
        return Shape(
            name: "step \(stepId)", kind: event.taskId == nil ? .internal : .producer, traceId: trace.traceId,
            spanId: event.taskId.map { TraceContext.taskSpan(event.instanceId, $0) }, parentSpanId: TraceContext.workflowSpan(event.instanceId),
            traceState: trace.state, start: start, end: event.time, attributes: attributes, error: error
        )
    }
}
