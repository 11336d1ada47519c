import BatonTracing
import Testing
import Tracing

/// `BatonTracer` through swift-distributed-tracing's API: assigned ids are kept, W3C context is
/// extracted and injected, children nest, unsampled spans are never buffered, a span ends once.
@Suite struct BatonTracerTests {
    struct Instant: TracerInstant {
        var nanosecondsSinceEpoch: UInt64
        static func < (a: Instant, b: Instant) -> Bool { a.nanosecondsSinceEpoch < b.nanosecondsSinceEpoch }
    }

    struct Headers: Extractor, Injector {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    let trace = "4bf92f3577b34da6a3ce929d0e0e4736"

    @Test func anAssignedSpanKeepsItsIdsUnderTheExtractedParent() {
        let buffer = SpanBuffer()
        let tracer = BatonTracer(buffer: buffer)
        var context = ServiceContext.topLevel
        tracer.extract(["traceparent": "00-\(trace)-00f067aa0ba902b7-01", "tracestate": "rojo=1"], into: &context, using: Headers())
        context.assignedSpan = AssignedSpan(traceId: trace, spanId: "1111111111111111")
        let span = tracer.startSpan("workflow w", context: context, ofKind: .internal, at: Instant(nanosecondsSinceEpoch: 5), function: #function, file: #fileID, line: #line)
        // A child started from the span's context nests under it, in the same trace, with an id of its own.
        let child = tracer.startSpan("step s", context: span.context, ofKind: .producer, at: Instant(nanosecondsSinceEpoch: 6), function: #function, file: #fileID, line: #line)
        var carrier: [String: String] = [:]
        tracer.inject(child.context, into: &carrier, using: Headers())
        child.end(at: Instant(nanosecondsSinceEpoch: 8))
        span.attributes.set("k", value: .int64(3))
        span.end(at: Instant(nanosecondsSinceEpoch: 9))
        span.end(at: Instant(nanosecondsSinceEpoch: 10))

        let spans = buffer.drain(limit: 10)
        #expect(spans.count == 2, "a span ends once")
        let (step, workflow) = (spans[0], spans[1])
        #expect(workflow.traceId == trace && workflow.spanId == "1111111111111111" && workflow.parentSpanId == "00f067aa0ba902b7")
        #expect(workflow.traceState == "rojo=1" && workflow.startNanoseconds == 5 && workflow.endNanoseconds == 9)
        #expect(workflow.attributes.get("k") == .int64(3))
        #expect(step.traceId == trace && step.parentSpanId == "1111111111111111")
        #expect(step.spanId.count == 16 && step.spanId != workflow.spanId && step.spanId.allSatisfy(\.isHexDigit))
        #expect(carrier == ["traceparent": "00-\(trace)-\(step.spanId)-01", "tracestate": "rojo=1"])
    }

    @Test func anUnsampledOrInvalidContextIsHandledAsW3CSays() {
        let buffer = SpanBuffer()
        let tracer = BatonTracer(buffer: buffer)
        var unsampled = ServiceContext.topLevel
        tracer.extract(["traceparent": "00-\(trace)-00f067aa0ba902b7-00"], into: &unsampled, using: Headers())
        let quiet = tracer.startSpan("s", context: unsampled, ofKind: .internal, at: Instant(nanosecondsSinceEpoch: 1), function: #function, file: #fileID, line: #line)
        #expect(!quiet.isRecording)
        quiet.end(at: Instant(nanosecondsSinceEpoch: 2))
        #expect(buffer.count == 0)

        var invalid = ServiceContext.topLevel
        tracer.extract(["traceparent": "00-\(String(repeating: "0", count: 32))-00f067aa0ba902b7-01"], into: &invalid, using: Headers())
        #expect(invalid.currentSpan == nil, "an all-zero trace id is invalid: ignored")
        let root = tracer.startSpan("root", context: invalid, ofKind: .internal, at: Instant(nanosecondsSinceEpoch: 1), function: #function, file: #fileID, line: #line)
        root.end(at: Instant(nanosecondsSinceEpoch: 1))
        let span = buffer.drain(limit: 1).first
        #expect(span?.parentSpanId == nil && span?.traceId.count == 32 && span?.traceId != String(repeating: "0", count: 32))
    }

    @Test func aFullBufferDropsAndCounts() {
        let buffer = SpanBuffer(capacity: 2)
        let tracer = BatonTracer(buffer: buffer)
        for n in 0..<5 {
            tracer.startSpan("s\(n)", context: .topLevel, ofKind: .internal, at: Instant(nanosecondsSinceEpoch: 1), function: #function, file: #fileID, line: #line)
                .end(at: Instant(nanosecondsSinceEpoch: 2))
        }
        #expect(buffer.count == 2 && buffer.dropped == 3)
        #expect(buffer.drain(limit: 10).map(\.name) == ["s0", "s1"])
    }
}
