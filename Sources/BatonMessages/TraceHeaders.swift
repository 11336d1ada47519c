import BatonCore

/// The W3C Trace Context headers on Baton's topics, and where an inbound record's context is read.
public enum TraceHeaders {
    public static let traceparent = "traceparent"
    public static let tracestate = "tracestate"

    /// The trace context an inbound record carries: the CloudEvents distributed-tracing extension
    /// (a `traceparent` attribute in structured mode, a `ce_traceparent` header in binary mode —
    /// both are `event.extensions` once decoded) first, else plain `traceparent`/`tracestate`
    /// Kafka headers (what OpenTelemetry's Kafka instrumentations write). Nil when there is none
    /// or it is not valid W3C Trace Context (the workflow then begins a trace of its own).
    public static func context(headers: [WireHeader], event: CloudEvent? = nil) -> TraceContext? {
        if let parent = event?.extensions[traceparent]?.stringValue {
            return TraceContext(traceparent: parent, tracestate: event?.extensions[tracestate]?.stringValue)
        }
        guard let parent = header(traceparent, in: headers) else { return nil }
        return TraceContext(traceparent: parent, tracestate: header(tracestate, in: headers))
    }

    /// A valid `traceparent` header of a record, as sent (the worker's span, on a task result).
    public static func traceparent(in headers: [WireHeader]) -> String? {
        guard let parent = header(traceparent, in: headers), TraceContext(traceparent: parent) != nil else { return nil }
        return parent
    }

    private static func header(_ name: String, in headers: [WireHeader]) -> String? {
        headers.last { $0.key.lowercased() == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}
