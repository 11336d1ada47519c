import BatonCore
import Tracing

/// The tracer Baton exports its workflow and step spans with (OTLP, see `OTLPJSONEncoder`).
///
/// Baton's spans are reported once the transition that ends them is durable, with the times the
/// engine recorded, so a span can start in one process and end in another; their ids are the ones
/// already on the instance's Kafka records (`AssignedSpan`). Any other tracer works through the
/// same swift-distributed-tracing calls, with ids of its own.
public struct BatonTracer: Tracer {
    public let buffer: SpanBuffer

    public init(buffer: SpanBuffer) {
        self.buffer = buffer
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
        function: String, file fileID: String, line: UInt
    ) -> RecordingSpan {
        var context = context()
        let parent = context.currentSpan
        let identity: CurrentSpan
        if let assigned = context.assignedSpan {
            identity = CurrentSpan(traceId: assigned.traceId, spanId: assigned.spanId, sampled: parent?.sampled ?? true, state: parent?.state)
        } else {
            identity = CurrentSpan(traceId: parent?.traceId ?? Self.randomHex(words: 2), spanId: Self.randomHex(words: 1), sampled: parent?.sampled ?? true, state: parent?.state)
        }
        let parentSpanId = parent?.traceId == identity.traceId ? parent?.spanId : nil
        context.currentSpan = identity
        context.assignedSpan = nil
        return RecordingSpan(
            name: operationName, kind: kind, context: context, identity: identity, parentSpanId: parentSpanId,
            startNanoseconds: instant().nanosecondsSinceEpoch, buffer: buffer
        )
    }

    public func forceFlush() {}

    /// Reads W3C `traceparent`/`tracestate` (as `TraceContext` parses them: an invalid header is
    /// ignored) into the context's current span.
    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract) where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier),
              let trace = TraceContext(traceparent: header, tracestate: extractor.extract(key: "tracestate", from: carrier)),
              let spanId = trace.parentId
        else { return }
        context.currentSpan = CurrentSpan(traceId: trace.traceId, spanId: spanId, sampled: trace.sampled, state: trace.state)
    }

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject) where Inject.Carrier == Carrier {
        guard let span = context.currentSpan else { return }
        injector.inject(span.traceparent, forKey: "traceparent", into: &carrier)
        if let state = span.state { injector.inject(state, forKey: "tracestate", into: &carrier) }
    }

    /// `words` 64-bit random words as lowercase hex (never all zeros).
    static func randomHex(words: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        for index in 0..<words {
            var word = generator.next() as UInt64
            if index == words - 1, word == 0 { word = 1 }
            LowercaseHex.append(word, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
