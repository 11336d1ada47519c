import BatonTracing
import Foundation
import Testing
import Tracing

/// The OTLP/JSON body: OTLP's own JSON rules (hex ids, decimal-string nanoseconds and 64-bit
/// integers, numeric enums, one `*Value` field per attribute). The outside check of the same
/// body against opentelemetry-proto is in the end-to-end tracing test.
@Suite struct OTLPJSONEncoderTests {
    struct Instant: TracerInstant {
        var nanosecondsSinceEpoch: UInt64
        static func < (a: Instant, b: Instant) -> Bool { a.nanosecondsSinceEpoch < b.nanosecondsSinceEpoch }
    }

    @Test func aSpanIsEncodedAsOTLPJSONSays() throws {
        var attributes = SpanAttributes()
        attributes.set("s", value: .string("x"))
        attributes.set("i", value: .int64(9_007_199_254_740_993))
        attributes.set("d", value: .double(1.5))
        attributes.set("b", value: .bool(true))
        attributes.set("a", value: .stringArray(["p", "q"]))
        let span = FinishedSpan(
            traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", parentSpanId: "1111111111111111", traceState: "rojo=1",
            name: "step call", kind: .producer, startNanoseconds: 1_800_000_000_000_000_001, endNanoseconds: 1_800_000_000_250_000_000,
            attributes: attributes, status: SpanStatus(code: .error, message: "DECLINED: no"),
            events: [SpanEvent(name: "e", at: Instant(nanosecondsSinceEpoch: 7), attributes: [:])], links: []
        )
        let body = OTLPJSONEncoder(resource: ["service.name": "baton"]).encode([span])
        let json = try JSONSerialization.jsonObject(with: Data(body))
        #expect(value(json, "resourceSpans", 0, "resource", "attributes", 0, "key") as? String == "service.name")
        let encoded = value(json, "resourceSpans", 0, "scopeSpans", 0, "spans", 0)
        #expect(value(encoded, "traceId") as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(value(encoded, "spanId") as? String == "00f067aa0ba902b7")
        #expect(value(encoded, "parentSpanId") as? String == "1111111111111111")
        #expect(value(encoded, "traceState") as? String == "rojo=1")
        #expect(value(encoded, "kind") as? Int == 4)
        // Nanoseconds past 2^53 survive as strings.
        #expect(value(encoded, "startTimeUnixNano") as? String == "1800000000000000001")
        #expect(value(encoded, "endTimeUnixNano") as? String == "1800000000250000000")
        #expect(value(encoded, "status", "code") as? Int == 2)
        #expect(value(encoded, "status", "message") as? String == "DECLINED: no")
        // Attributes are sorted by key: a, b, d, i, s.
        #expect(value(encoded, "attributes", 0, "value", "arrayValue", "values", 1, "stringValue") as? String == "q")
        #expect(value(encoded, "attributes", 1, "value", "boolValue") as? Bool == true)
        #expect(value(encoded, "attributes", 2, "value", "doubleValue") as? Double == 1.5)
        #expect(value(encoded, "attributes", 3, "value", "intValue") as? String == "9007199254740993")
        #expect(value(encoded, "attributes", 4, "value", "stringValue") as? String == "x")
        #expect(value(encoded, "events", 0, "timeUnixNano") as? String == "7")
    }

    /// The value at `path` (keys and indices) in a parsed JSON document.
    func value(_ json: Any?, _ path: Any...) -> Any? {
        var current = json
        for step in path {
            if let key = step as? String { current = (current as? [String: Any])?[key] }
            if let index = step as? Int { current = (current as? [Any]).flatMap { index < $0.count ? $0[index] : nil } }
        }
        return current
    }

    @Test func aRootSpanHasNoParentField() throws {
        let span = FinishedSpan(
            traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", parentSpanId: nil, traceState: nil, name: "w", kind: .internal,
            startNanoseconds: 1, endNanoseconds: 2, attributes: [:], status: nil, events: [], links: []
        )
        let text = String(decoding: OTLPJSONEncoder(resource: [:]).encode([span]), as: UTF8.self)
        #expect(!text.contains("parentSpanId") && !text.contains("traceState"))
        #expect(text.contains(#""status":{"code":0}"#))
    }

    @Test func textIsEscapedAndNonFiniteNumbersAreSpelledAsProto3Does() throws {
        var attributes = SpanAttributes()
        attributes.set("nan", value: .double(.nan))
        attributes.set("inf", value: .doubleArray([.infinity, -.infinity]))
        let span = FinishedSpan(
            traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", parentSpanId: nil, traceState: nil, name: "step \"a\"\n\u{1}",
            kind: .internal, startNanoseconds: 1, endNanoseconds: 2, attributes: attributes, status: nil, events: [], links: []
        )
        let json = try JSONSerialization.jsonObject(with: Data(OTLPJSONEncoder(resource: [:]).encode([span])))
        let encoded = value(json, "resourceSpans", 0, "scopeSpans", 0, "spans", 0)
        #expect(value(encoded, "name") as? String == "step \"a\"\n\u{1}")
        #expect(value(encoded, "attributes", 0, "value", "arrayValue", "values", 0, "doubleValue") as? String == "Infinity")
        #expect(value(encoded, "attributes", 0, "value", "arrayValue", "values", 1, "doubleValue") as? String == "-Infinity")
        #expect(value(encoded, "attributes", 1, "value", "doubleValue") as? String == "NaN")
    }
}
