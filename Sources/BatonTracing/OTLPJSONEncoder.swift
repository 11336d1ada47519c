import Foundation
import Tracing

/// Spans as an OTLP `ExportTraceServiceRequest` in OTLP/JSON (opentelemetry-proto's JSON
/// mapping with OTLP's own rules: trace and span ids as hex, not base64; 64-bit integers and
/// nanosecond times as decimal strings; enums as numbers), the body `POST /v1/traces` takes.
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

    public func encode(_ spans: [FinishedSpan]) throws -> [UInt8] {
        let request = Request(resourceSpans: [
            ResourceSpans(
                resource: Resource(attributes: resource.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: .string($0.value)) }),
                scopeSpans: [ScopeSpans(scope: Scope(name: scopeName, version: scopeVersion), spans: spans.map(OTLPSpan.init))]
            ),
        ])
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return Array(try encoder.encode(request))
    }

    struct Request: Encodable { var resourceSpans: [ResourceSpans] }
    struct ResourceSpans: Encodable { var resource: Resource; var scopeSpans: [ScopeSpans] }
    struct Resource: Encodable { var attributes: [KeyValue] }
    struct ScopeSpans: Encodable { var scope: Scope; var spans: [OTLPSpan] }
    struct Scope: Encodable { var name: String; var version: String }

    struct OTLPSpan: Encodable {
        var traceId: String
        var spanId: String
        var parentSpanId: String?
        var traceState: String?
        var name: String
        var kind: Int
        var startTimeUnixNano: String
        var endTimeUnixNano: String
        var attributes: [KeyValue]
        var events: [Event]
        var links: [Link]
        var status: Status

        init(_ span: FinishedSpan) {
            traceId = span.traceId
            spanId = span.spanId
            parentSpanId = span.parentSpanId
            traceState = span.traceState
            name = span.name
            kind = OTLPJSONEncoder.kind(span.kind)
            startTimeUnixNano = String(span.startNanoseconds)
            endTimeUnixNano = String(span.endNanoseconds)
            attributes = OTLPJSONEncoder.keyValues(span.attributes)
            events = span.events.map { Event(timeUnixNano: String($0.nanosecondsSinceEpoch), name: $0.name, attributes: OTLPJSONEncoder.keyValues($0.attributes)) }
            links = span.links.compactMap { link in
                link.context.currentSpan.map { Link(traceId: $0.traceId, spanId: $0.spanId, traceState: $0.state, attributes: OTLPJSONEncoder.keyValues(link.attributes)) }
            }
            switch span.status?.code {
            case .ok?: status = Status(code: 1, message: span.status?.message)
            case .error?: status = Status(code: 2, message: span.status?.message)
            case nil: status = Status(code: 0, message: nil)
            }
        }
    }

    struct Event: Encodable { var timeUnixNano: String; var name: String; var attributes: [KeyValue] }
    struct Link: Encodable { var traceId: String; var spanId: String; var traceState: String?; var attributes: [KeyValue] }
    struct Status: Encodable { var code: Int; var message: String? }

    struct KeyValue: Encodable { var key: String; var value: AnyValue }

    /// opentelemetry-proto's `AnyValue`: exactly one of its fields.
    indirect enum AnyValue: Encodable {
        case string(String)
        case bool(Bool)
        case int(Int64)
        case double(Double)
        case array([AnyValue])

        enum Keys: String, CodingKey { case stringValue, boolValue, intValue, doubleValue, arrayValue }
        enum ArrayKeys: String, CodingKey { case values }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            switch self {
            case .string(let value): try container.encode(value, forKey: .stringValue)
            case .bool(let value): try container.encode(value, forKey: .boolValue)
            case .int(let value): try container.encode(String(value), forKey: .intValue)
            case .double(let value): try container.encode(value, forKey: .doubleValue)
            case .array(let values):
                var array = container.nestedContainer(keyedBy: ArrayKeys.self, forKey: .arrayValue)
                try array.encode(values, forKey: .values)
            }
        }
    }

    static func keyValues(_ attributes: SpanAttributes) -> [KeyValue] {
        var values: [KeyValue] = []
        attributes.forEach { key, attribute in
            if let value = anyValue(attribute) { values.append(KeyValue(key: key, value: value)) }
        }
        return values.sorted { $0.key < $1.key }
    }

    static func anyValue(_ attribute: SpanAttribute) -> AnyValue? {
        switch attribute {
        case .int32(let value): .int(Int64(value))
        case .int64(let value): .int(value)
        case .int32Array(let values): .array(values.map { .int(Int64($0)) })
        case .int64Array(let values): .array(values.map { .int($0) })
        case .double(let value): .double(value)
        case .doubleArray(let values): .array(values.map { .double($0) })
        case .bool(let value): .bool(value)
        case .boolArray(let values): .array(values.map { .bool($0) })
        case .string(let value): .string(value)
        case .stringArray(let values): .array(values.map { .string($0) })
        case .stringConvertible(let value): .string(value.description)
        case .stringConvertibleArray(let values): .array(values.map { .string($0.description) })
        default: nil
        }
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
