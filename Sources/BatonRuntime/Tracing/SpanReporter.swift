import BatonCore
import BatonTracing
import Synchronization
import Tracing

/// Reports committed workflow and step spans through swift-distributed-tracing: each span is
/// started at the time it began and ended at once at the time it ended (both as the engine
/// recorded them), in the context of its parent span as W3C Trace Context names it.
///
/// The commit path only queues what a batch ended (`report`); spans are made by `flush`, which
/// the export loop calls, so tracing adds a copy to the commit path and nothing more. With
/// `BatonTracer` the spans keep the ids their Kafka records carried (`AssignedSpan`), so a
/// worker's spans hang under the step that dispatched them; another tracer draws ids of its own.
public final class SpanReporter: Sendable {
    let tracer: any Tracer
    /// Most observations waiting for `flush`; beyond it they are dropped and counted.
    let capacity: Int
    private let pending = Mutex<(observations: [SpanObservation], dropped: Int)>(([], 0))

    public init(tracer: any Tracer, capacity: Int = 8_192) {
        self.tracer = tracer
        self.capacity = capacity
    }

    func report(_ spans: [SpanObservation]) {
        pending.withLock { pending in
            let room = max(0, capacity - pending.observations.count)
            pending.observations.append(contentsOf: spans.prefix(room))
            pending.dropped += max(0, spans.count - room)
        }
    }

    /// Observations dropped because too many waited, since the start.
    public var dropped: Int { pending.withLock { $0.dropped } }

    /// Makes and ends the spans of everything queued so far.
    public func flush() {
        let observations = pending.withLock { pending in
            defer { pending.observations.removeAll(keepingCapacity: true) }
            return pending.observations
        }
        for observation in observations { report(observation.shape) }
    }

    private func report(_ shape: SpanObservation.Shape) {
        var context = ServiceContext.topLevel
        if let parent = shape.parentSpanId {
            var headers = ["traceparent": "00-\(shape.traceId)-\(parent)-01"]
            if let state = shape.traceState { headers["tracestate"] = state }
            tracer.extract(headers, into: &context, using: HeaderExtractor())
        }
        if let spanId = shape.spanId {
            context.assignedSpan = AssignedSpan(traceId: shape.traceId, spanId: spanId)
        }
        let span = tracer.startSpan(shape.name, context: context, ofKind: shape.kind, at: SpanInstant(shape.start), function: #function, file: #fileID, line: #line)
        span.attributes = shape.attributes
        if let error = shape.error { span.setStatus(SpanStatus(code: .error, message: error)) }
        span.end(at: SpanInstant(shape.end))
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
