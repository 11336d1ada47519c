import Tracing

/// A span once it has ended: what is exported, as a value.
public struct FinishedSpan: Sendable {
    public var traceId: String
    public var spanId: String
    public var parentSpanId: String?
    public var traceState: String?
    public var name: String
    public var kind: SpanKind
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64
    public var attributes: SpanAttributes
    public var status: SpanStatus?
    public var events: [SpanEvent]
    public var links: [SpanLink]

    public init(
        traceId: String, spanId: String, parentSpanId: String?, traceState: String?, name: String, kind: SpanKind, startNanoseconds: UInt64, endNanoseconds: UInt64,
        attributes: SpanAttributes, status: SpanStatus?, events: [SpanEvent], links: [SpanLink]
    ) {
        self.traceId = traceId
        self.spanId = spanId
        self.parentSpanId = parentSpanId
        self.traceState = traceState
        self.name = name
        self.kind = kind
        self.startNanoseconds = startNanoseconds
        self.endNanoseconds = endNanoseconds
        self.attributes = attributes
        self.status = status
        self.events = events
        self.links = links
    }
}
