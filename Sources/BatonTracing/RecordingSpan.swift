import Synchronization
import Tracing

/// A span of `BatonTracer`: mutable until it ends, then handed to the buffer once as a
/// `FinishedSpan`. Unsampled spans are not recording and are never buffered.
public final class RecordingSpan: Span, Sendable {
    public let context: ServiceContext
    private let identity: CurrentSpan
    private let parentSpanId: String?
    private let kind: SpanKind
    private let startNanoseconds: UInt64
    private let buffer: SpanBuffer?
    private let state: Mutex<State>

    private struct State {
        var name: String
        var attributes = SpanAttributes()
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var links: [SpanLink] = []
        var ended = false
    }

    init(name: String, kind: SpanKind, context: ServiceContext, identity: CurrentSpan, parentSpanId: String?, startNanoseconds: UInt64, buffer: SpanBuffer?) {
        self.context = context
        self.identity = identity
        self.parentSpanId = parentSpanId
        self.kind = kind
        self.startNanoseconds = startNanoseconds
        self.buffer = identity.sampled ? buffer : nil
        self.state = Mutex(State(name: name))
    }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { if !$0.ended { $0.name = newValue } } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { if !$0.ended { $0.attributes = newValue } } }
    }

    public var isRecording: Bool { buffer != nil && !state.withLock { $0.ended } }

    public func setStatus(_ status: SpanStatus) {
        state.withLock { state in
            // OpenTelemetry: OK is final; an error may be set over unset.
            if !state.ended, state.status?.code != .ok { state.status = status }
        }
    }

    public func addEvent(_ event: SpanEvent) {
        state.withLock { if !$0.ended { $0.events.append(event) } }
    }

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        var attributes = attributes
        attributes.set("exception.type", value: .string(String(describing: type(of: error))))
        attributes.set("exception.message", value: .string(String(describing: error)))
        addEvent(SpanEvent(name: "exception", at: instant(), attributes: attributes))
    }

    public func addLink(_ link: SpanLink) {
        state.withLock { if !$0.ended { $0.links.append(link) } }
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = instant().nanosecondsSinceEpoch
        let finished: FinishedSpan? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            guard buffer != nil else { return nil }
            return FinishedSpan(
                traceId: identity.traceId, spanId: identity.spanId, parentSpanId: parentSpanId, traceState: identity.state,
                name: state.name, kind: kind, startNanoseconds: startNanoseconds, endNanoseconds: max(end, startNanoseconds),
                attributes: state.attributes, status: state.status, events: state.events, links: state.links
            )
        }
        if let finished { buffer?.append(finished) }
    }
}
