import BatonCore
import BatonMessages

extension WireMessage {
    /// Adds the W3C `traceparent` (and `tracestate`) naming `span` in `trace`: every task request,
    /// cancellation and lifecycle event carries its instance's trace, so a worker's spans and an
    /// analytics consumer's records join the trace of what started the workflow.
    mutating func traced(_ trace: TraceContext?, span: UInt64) {
        guard let trace else { return }
        headers.append(WireHeader(key: TraceHeaders.traceparent, value: trace.traceparentBytes(spanId: span)))
        if let state = trace.state { headers.append(WireHeader(TraceHeaders.tracestate, state)) }
    }
}
