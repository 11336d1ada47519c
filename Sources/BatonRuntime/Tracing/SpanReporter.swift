import BatonCore
import BatonTracing
import Tracing

/// Reports committed workflow and step spans through swift-distributed-tracing: each span is
/// started at the time it began and ended at once at the time it ended (both as the engine
/// recorded them), in the context of its parent span as W3C Trace Context names it.
///
/// With `BatonTracer` the spans keep the ids their Kafka records carried (`AssignedSpan`), so a
/// worker's spans hang under the step that dispatched them; another tracer draws ids of its own.
public struct SpanReporter: Sendable {
    let tracer: any Tracer

    public init(tracer: any Tracer) {
        self.tracer = tracer
    }

    func report(_ spans: [SpanObservation]) {
        for observation in spans { report(observation) }
    }

    func report(_ observation: SpanObservation) {
        var context = ServiceContext.topLevel
        if let parent = observation.parentSpanId {
            var headers = ["traceparent": "00-\(observation.traceId)-\(parent)-01"]
            if let state = observation.traceState { headers["tracestate"] = state }
            tracer.extract(headers, into: &context, using: HeaderExtractor())
        }
        if let spanId = observation.spanId {
            context.assignedSpan = AssignedSpan(traceId: observation.traceId, spanId: spanId)
        }
        let span = tracer.startSpan(
            observation.name, context: context, ofKind: observation.kind, at: SpanInstant(observation.start),
            function: #function, file: #fileID, line: #line
        )
        span.attributes = observation.attributes
        if let error = observation.error { span.setStatus(SpanStatus(code: .error, message: error)) }
        span.end(at: SpanInstant(observation.end))
    }
}

/// A time the engine stamped, as swift-distributed-tracing takes it.
struct SpanInstant: TracerInstant {
    var nanosecondsSinceEpoch: UInt64

    init(_ time: Timestamp) {
        nanosecondsSinceEpoch = UInt64(max(0, time.milliseconds)) * 1_000_000
    }

    static func < (lhs: SpanInstant, rhs: SpanInstant) -> Bool { lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch }
}

/// W3C headers as a dictionary, for `Instrument.extract`.
struct HeaderExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
