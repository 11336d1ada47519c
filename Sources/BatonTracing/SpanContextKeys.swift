import Tracing

/// The span a service context is in, as W3C Trace Context names it: what a span started from the
/// context is a child of, and what `inject` writes as `traceparent`.
public struct CurrentSpan: Sendable, Hashable {
    /// 32 lowercase hex digits.
    public var traceId: String
    /// 16 lowercase hex digits.
    public var spanId: String
    public var sampled: Bool
    /// `tracestate`, passed on unchanged.
    public var state: String?

    public init(traceId: String, spanId: String, sampled: Bool, state: String? = nil) {
        self.traceId = traceId
        self.spanId = spanId
        self.sampled = sampled
        self.state = state
    }

    /// The `traceparent` header naming this span.
    public var traceparent: String { "00-\(traceId)-\(spanId)-\(sampled ? "01" : "00")" }
}

/// The identity Baton gives a span before it starts it: the trace and span ids its Kafka records
/// already carried (derived from the instance and task ids, see `TraceContext`), so a worker's
/// span, whose parent is the id on its task request, hangs under the span exported for that step.
/// `BatonTracer` honours it; a tracer that does not know the key draws ids of its own.
public struct AssignedSpan: Sendable, Hashable {
    public var traceId: String
    public var spanId: String

    public init(traceId: String, spanId: String) {
        self.traceId = traceId
        self.spanId = spanId
    }
}

enum CurrentSpanKey: ServiceContextKey {
    typealias Value = CurrentSpan
    static var nameOverride: String? { "baton.current-span" }
}

enum AssignedSpanKey: ServiceContextKey {
    typealias Value = AssignedSpan
    static var nameOverride: String? { "baton.assigned-span" }
}

extension ServiceContext {
    /// The span this context is in (set by `BatonTracer` on each span's context and by `extract`).
    public var currentSpan: CurrentSpan? {
        get { self[CurrentSpanKey.self] }
        set { self[CurrentSpanKey.self] = newValue }
    }

    /// The ids the next span started from this context must have (see `AssignedSpan`).
    public var assignedSpan: AssignedSpan? {
        get { self[AssignedSpanKey.self] }
        set { self[AssignedSpanKey.self] = newValue }
    }
}
