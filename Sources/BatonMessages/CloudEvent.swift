import BatonCore
import BatonExpressions

/// A CloudEvents 1.0 event: what Baton consumes as triggers and produces as lifecycle events.
public struct CloudEvent: Sendable, Hashable {
    public var id: String
    public var source: String
    public var type: String
    public var specversion: String
    public var subject: String?
    public var time: String?
    public var datacontenttype: String?
    public var dataschema: String?
    public var data: JSONValue?
    /// Extension attributes (string-valued in binary mode).
    public var extensions: [String: JSONValue]

    public init(id: String, source: String, type: String, specversion: String = "1.0", subject: String? = nil, time: String? = nil, datacontenttype: String? = "application/json", dataschema: String? = nil, data: JSONValue? = nil, extensions: [String: JSONValue] = [:]) {
        self.id = id
        self.source = source
        self.type = type
        self.specversion = specversion
        self.subject = subject
        self.time = time
        self.datacontenttype = datacontenttype
        self.dataschema = dataschema
        self.data = data
        self.extensions = extensions
    }

    /// The structured-mode JSON document (also what trigger filters and input mappings read as `$`).
    public var json: JSONValue {
        var o: [String: JSONValue] = ["specversion": .string(specversion), "id": .string(id), "source": .string(source), "type": .string(type)]
        if let subject { o["subject"] = .string(subject) }
        if let time { o["time"] = .string(time) }
        if let datacontenttype { o["datacontenttype"] = .string(datacontenttype) }
        if let dataschema { o["dataschema"] = .string(dataschema) }
        if let data { o["data"] = data }
        for (name, value) in extensions where o[name] == nil { o[name] = value }
        return .object(o)
    }
}

/// Reads CloudEvents from Kafka records in either mode of the Kafka protocol binding.
public enum CloudEventCodec {
    static let reserved: Set<String> = ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data", "data_base64"]

    /// Structured mode when `content-type` is `application/cloudevents…` (as the Kafka protocol
    /// binding decides; Baton's own lifecycle events carry both that and mirrored `ce_` headers);
    /// otherwise binary mode when there is a `ce_specversion` header (attributes in `ce_` headers,
    /// data in the value); otherwise structured.
    public static func decode(value: [UInt8], headers: [WireHeader], maxBytes: Int = 1 << 20) throws(MessageError) -> CloudEvent {
        let contentType = headers.first { $0.key.lowercased() == "content-type" }?.stringValue.map(mediaType)
        let structured = contentType?.hasPrefix("application/cloudevents") ?? false
        if !structured, headers.contains(where: { $0.key == "ce_specversion" }) {
            return try decodeBinary(value: value, headers: headers, maxBytes: maxBytes)
        }
        let json = try parseJSONValue(value, maxBytes: maxBytes)
        return try decodeStructured(json)
    }

    public static func decodeStructured(_ json: JSONValue) throws(MessageError) -> CloudEvent {
        let r = try FieldReader(json, what: "a CloudEvent")
        if let encoded = json["data_base64"], !encoded.isNull {
            throw MessageError(.schemaViolation, "'data_base64' is not supported: send JSON in 'data'", pointer: "/data_base64")
        }
        let specversion = try r.string("specversion")
        guard specversion == "1.0" else {
            throw MessageError(.schemaViolation, "unsupported CloudEvents specversion '\(specversion)': Baton reads 1.0", pointer: "/specversion")
        }
        var extensions: [String: JSONValue] = [:]
        for (name, value) in json.objectValue ?? [:] where !reserved.contains(name) { extensions[name] = value }
        return CloudEvent(
            id: try r.string("id"), source: try r.string("source"), type: try r.string("type"), specversion: specversion,
            subject: try r.optionalString("subject"), time: try r.optionalString("time"),
            datacontenttype: try r.optionalString("datacontenttype"), dataschema: try r.optionalString("dataschema"),
            data: json["data"], extensions: extensions
        )
    }

    static func decodeBinary(value: [UInt8], headers: [WireHeader], maxBytes: Int) throws(MessageError) -> CloudEvent {
        var attributes: [String: String] = [:]
        var contentType: String?
        for header in headers {
            guard let text = header.stringValue else {
                throw MessageError(.malformed, "header '\(header.key)' is not UTF-8")
            }
            if header.key.hasPrefix("ce_") {
                attributes[String(header.key.dropFirst(3))] = text
            } else if header.key.lowercased() == "content-type" {
                contentType = text
            }
        }
        func required(_ name: String) throws(MessageError) -> String {
            guard let v = attributes[name], !v.isEmpty else {
                throw MessageError(.schemaViolation, "binary-mode CloudEvent lacks header 'ce_\(name)'", pointer: "/\(name)")
            }
            return v
        }
        let specversion = try required("specversion")
        guard specversion == "1.0" else {
            throw MessageError(.schemaViolation, "unsupported CloudEvents specversion '\(specversion)': Baton reads 1.0", pointer: "/specversion")
        }
        var data: JSONValue?
        if !value.isEmpty {
            let type = contentType.map(mediaType) ?? "application/json"
            if type.hasPrefix("application/json") || type.hasSuffix("+json") || type.hasPrefix("text/json") {
                data = try parseJSONValue(value, maxBytes: maxBytes)
            } else if let text = String(validating: value, as: UTF8.self) {
                guard value.count <= maxBytes else { throw MessageError(.oversized, "the value is \(value.count) bytes; the limit is \(maxBytes)") }
                data = .string(text)
            } else {
                throw MessageError(.malformed, "data of content type '\(type)' is not UTF-8 text; send JSON")
            }
        }
        var extensions: [String: JSONValue] = [:]
        for (name, v) in attributes where !reserved.contains(name) { extensions[name] = .string(v) }
        return CloudEvent(
            id: try required("id"), source: try required("source"), type: try required("type"), specversion: specversion,
            subject: attributes["subject"], time: attributes["time"], datacontenttype: contentType,
            dataschema: attributes["dataschema"], data: data, extensions: extensions
        )
    }

    /// The media type without parameters, lowercased: `Application/JSON; charset=utf-8` → `application/json`.
    static func mediaType(_ contentType: String) -> String {
        let bare = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(bare.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()).lowercased()
    }

    /// Structured-mode encoding with the core attributes mirrored into `ce_` headers, so consumers
    /// can route on headers without parsing the value.
    public static func encodeStructured(_ event: CloudEvent, topic: String, key: [UInt8]?) -> WireMessage {
        WireMessage(
            topic: topic, key: key, value: event.json.serializedBytes(sortedKeys: false),
            headers: structuredHeaders(specversion: event.specversion, id: event.id, source: event.source, type: event.type, subject: event.subject, time: event.time)
        )
    }

    /// The content type of structured mode, with the core attributes mirrored for header-based routing.
    static func structuredHeaders(specversion: String = "1.0", id: String, source: String, type: String, subject: String?, time: String?) -> [WireHeader] {
        var headers = [
            WireHeader("content-type", "application/cloudevents+json; charset=utf-8"),
            WireHeader("ce_specversion", specversion), WireHeader("ce_id", id),
            WireHeader("ce_source", source), WireHeader("ce_type", type),
        ]
        if let subject { headers.append(WireHeader("ce_subject", subject)) }
        if let time { headers.append(WireHeader("ce_time", time)) }
        return headers
    }
}
