import BatonExpressions
import Tracing

/// Spans as an OTLP `ExportTraceServiceRequest` in OTLP/JSON (opentelemetry-proto's JSON
/// mapping with OTLP's own rules: trace and span ids as hex, not base64; 64-bit integers and
/// nanosecond times as decimal strings; enums as numbers), the body `POST /v1/traces` takes.
///
/// Written straight into bytes through the package's `JSONWriter`: Foundation's `JSONEncoder`
/// made tracing cost about a tenth of the sustained step rate in `baton bench`.
public struct OTLPJSONEncoder: Sendable {
    /// `service.name` and the other resource attributes every span is reported under.
    public var resource: [String: String]
    public var scopeName: String
    public var scopeVersion: String

    public init(resource: [String: String], scopeName: String = "baton", scopeVersion: String = "1") {
        self.resource = resource
        self.scopeName = scopeName
        self.scopeVersion = scopeVersion
    }

    public func encode(_ spans: [FinishedSpan]) -> [UInt8] {
        var writer = JSONWriter(sortedKeys: true, capacity: 256 + spans.count * 900)
        writer.append(#"{"resourceSpans":[{"resource":{"attributes":["#)
        var first = true
        for (key, value) in resource.sorted(by: { $0.key < $1.key }) {
            if !first { writer.append(",") }
            first = false
            writer.append(#"{"key":"#)
            writer.writeString(key)
            writer.append(#","value":{"stringValue":"#)
            writer.writeString(value)
            writer.append("}}")
        }
        writer.append(#"]},"scopeSpans":[{"scope":{"name":"#)
        writer.writeString(scopeName)
        writer.append(#","version":"#)
        writer.writeString(scopeVersion)
        writer.append(#"},"spans":["#)
        for (index, span) in spans.enumerated() {
            if index > 0 { writer.append(",") }
            Self.write(span, to: &writer)
        }
        writer.append("]}]}]}")
        return writer.output
    }

    static func write(_ span: FinishedSpan, to writer: inout JSONWriter) {
        writeIds(traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId, traceState: span.traceState, to: &writer)
        writer.append(#","name":"#)
        writer.writeString(span.name)
        writer.append(#","kind":"#)
        writer.writeInteger(Int64(kind(span.kind)))
        writer.append(#","startTimeUnixNano":"#)
        writeDecimalString(span.startNanoseconds, to: &writer)
        writer.append(#","endTimeUnixNano":"#)
        writeDecimalString(span.endNanoseconds, to: &writer)
        writer.append(#","attributes":"#)
        write(span.attributes, to: &writer)
        writer.append(#","events":["#)
        for (index, event) in span.events.enumerated() {
            if index > 0 { writer.append(",") }
            writer.append(#"{"timeUnixNano":"#)
            writeDecimalString(event.nanosecondsSinceEpoch, to: &writer)
            writer.append(#","name":"#)
            writer.writeString(event.name)
            writer.append(#","attributes":"#)
            write(event.attributes, to: &writer)
            writer.append("}")
        }
        writer.append(#"],"links":["#)
        var firstLink = true
        for link in span.links {
            guard let linked = link.context.currentSpan else { continue }
            if !firstLink { writer.append(",") }
            firstLink = false
            writeIds(traceId: linked.traceId, spanId: linked.spanId, parentSpanId: nil, traceState: linked.state, to: &writer)
            writer.append(#","attributes":"#)
            write(link.attributes, to: &writer)
            writer.append("}")
        }
        writer.append(#"],"status":{"code":"#)
        switch span.status?.code {
        case .ok?: writer.append("1")
        case .error?: writer.append("2")
        case nil: writer.append("0")
        }
        if let message = span.status?.message {
            writer.append(#","message":"#)
            writer.writeString(message)
        }
        writer.append("}}")
    }

    /// `{"traceId":…,"spanId":…[,"parentSpanId":…][,"traceState":…]`: the opening of a span or a link.
    static func writeIds(traceId: String, spanId: String, parentSpanId: String?, traceState: String?, to writer: inout JSONWriter) {
        writer.append(#"{"traceId":"#)
        writer.writeString(traceId)
        writer.append(#","spanId":"#)
        writer.writeString(spanId)
        if let parentSpanId {
            writer.append(#","parentSpanId":"#)
            writer.writeString(parentSpanId)
        }
        if let traceState {
            writer.append(#","traceState":"#)
            writer.writeString(traceState)
        }
    }

    /// `[{"key": …, "value": AnyValue}]`, sorted by key.
    static func write(_ attributes: SpanAttributes, to writer: inout JSONWriter) {
        var pairs: [(String, SpanAttribute)] = []
        pairs.reserveCapacity(attributes.count)
        attributes.forEach { pairs.append(($0, $1)) }
        pairs.sort { $0.0 < $1.0 }
        writer.append("[")
        var first = true
        for (key, attribute) in pairs {
            guard isEncodable(attribute) else { continue }
            if !first { writer.append(",") }
            first = false
            writer.append(#"{"key":"#)
            writer.writeString(key)
            writer.append(#","value":"#)
            write(attribute, to: &writer)
            writer.append("}")
        }
        writer.append("]")
    }

    static func isEncodable(_ attribute: SpanAttribute) -> Bool {
        switch attribute {
        case .int32, .int64, .int32Array, .int64Array, .double, .doubleArray, .bool, .boolArray, .string, .stringArray, .stringConvertible, .stringConvertibleArray: true
        default: false
        }
    }

    /// opentelemetry-proto's `AnyValue`: exactly one of its fields.
    static func write(_ attribute: SpanAttribute, to writer: inout JSONWriter) {
        switch attribute {
        case .int32(let value): writeInt(Int64(value), to: &writer)
        case .int64(let value): writeInt(value, to: &writer)
        case .int32Array(let values): writeArray(values, to: &writer) { writeInt(Int64($0), to: &$1) }
        case .int64Array(let values): writeArray(values, to: &writer) { writeInt($0, to: &$1) }
        case .double(let value): writeDouble(value, to: &writer)
        case .doubleArray(let values): writeArray(values, to: &writer) { writeDouble($0, to: &$1) }
        case .bool(let value): writer.append(value ? #"{"boolValue":true}"# : #"{"boolValue":false}"#)
        case .boolArray(let values): writeArray(values, to: &writer) { $1.append($0 ? #"{"boolValue":true}"# : #"{"boolValue":false}"#) }
        case .string(let value): writeText(value, to: &writer)
        case .stringArray(let values): writeArray(values, to: &writer) { writeText($0, to: &$1) }
        case .stringConvertible(let value): writeText(value.description, to: &writer)
        case .stringConvertibleArray(let values): writeArray(values, to: &writer) { writeText($0.description, to: &$1) }
        default: writer.append("{}")
        }
    }

    static func writeArray<Element>(_ values: [Element], to writer: inout JSONWriter, _ element: (Element, inout JSONWriter) -> Void) {
        writer.append(#"{"arrayValue":{"values":["#)
        for (index, value) in values.enumerated() {
            if index > 0 { writer.append(",") }
            element(value, &writer)
        }
        writer.append("]}}")
    }

    static func writeText(_ value: String, to writer: inout JSONWriter) {
        writer.append(#"{"stringValue":"#)
        writer.writeString(value)
        writer.append("}")
    }

    static func writeInt(_ value: Int64, to writer: inout JSONWriter) {
        writer.append(#"{"intValue":""#)
        writer.writeInteger(value)
        writer.append(#""}"#)
    }

    /// Non-finite doubles as proto3 JSON spells them ("NaN", "Infinity", "-Infinity").
    static func writeDouble(_ value: Double, to writer: inout JSONWriter) {
        writer.append(#"{"doubleValue":"#)
        if value.isNaN {
            writer.append(#""NaN""#)
        } else if value.isInfinite {
            writer.append(value > 0 ? #""Infinity""# : #""-Infinity""#)
        } else {
            writer.writeNumber(value)
        }
        writer.append("}")
    }

    /// A 64-bit unsigned number as a JSON string of its digits.
    static func writeDecimalString(_ value: UInt64, to writer: inout JSONWriter) {
        writer.append("\"")
        writer.writeInteger(Int64(clamping: value))
        writer.append("\"")
    }

    /// opentelemetry-proto `Span.SpanKind`.
    static func kind(_ kind: SpanKind) -> Int {
        switch kind {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }
}
