/// W3C Trace Context (`traceparent`, `tracestate`) of a workflow instance: one trace per workflow.
///
/// Taken from what started the instance (a trigger's CloudEvents `traceparent` extension or Kafka
/// header, the REST request's header, a parent workflow) and carried on every task request,
/// cancellation and lifecycle event as Kafka headers, so a worker's spans and an analytics
/// consumer's records join the caller's trace. Span ids are derived from the instance and task
/// ids, not drawn at random, so the engine stays deterministic and a re-published record carries
/// the same `traceparent` as the first.
public struct TraceContext: Sendable, Hashable {
    /// 32 lowercase hex digits, not all zero.
    public var traceId: String
    /// The caller's span (16 lowercase hex digits): the parent of the workflow's span; nil when
    /// Baton began the trace.
    public var parentId: String?
    /// The caller's sampling decision (trace-flags bit 0); Baton passes it on unchanged.
    public var sampled: Bool
    /// `tracestate`, passed on unchanged (vendor data Baton does not read).
    public var state: String?

    public init(traceId: String, parentId: String?, sampled: Bool, state: String? = nil) {
        self.traceId = traceId
        self.parentId = parentId
        self.sampled = sampled
        self.state = state
    }

    /// Parses a `traceparent` header as W3C Trace Context level 1 says a receiver must: version
    /// `00` exactly four fields; a higher version at least the four known ones (`ff` is invalid);
    /// lowercase hex; neither id all zeros. Nil for anything else — an invalid header starts a
    /// new trace rather than failing the start.
    public init?(traceparent: String, tracestate: String? = nil) {
        let fields = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, Self.isHex(fields[0], count: 2), fields[0] != "ff" else { return nil }
        guard fields[0] != "00" || fields.count == 4 else { return nil }
        let (traceId, parentId, flags) = (fields[1], fields[2], fields[3])
        guard Self.isHex(traceId, count: 32), Self.isHex(parentId, count: 16), Self.isHex(flags, count: 2) else { return nil }
        guard traceId.contains(where: { $0 != "0" }), parentId.contains(where: { $0 != "0" }) else { return nil }
        self.traceId = String(traceId)
        self.parentId = String(parentId)
        self.sampled = (UInt8(flags, radix: 16)! & 1) == 1
        let state = tracestate.map { text in
            String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        }
        // W3C allows a receiver to drop a tracestate it cannot pass on whole (over 512 bytes).
        self.state = (state?.isEmpty ?? true) || (state?.utf8.count ?? 0) > 512 ? nil : state
    }

    /// The trace of an instance nothing traced: its id derived from the instance id, sampled.
    public static func begun(for instanceId: String) -> TraceContext {
        let high = fnv(fnv(offsetBasis, "trace"), instanceId)
        let low = fnv(fnv(offsetBasis, "trace-low"), instanceId)
        return TraceContext(traceId: hex(high == 0 && low == 0 ? 1 : high) + hex(low), parentId: nil, sampled: true)
    }

    /// The span of the workflow instance itself (lifecycle events that concern no task).
    public static func workflowSpan(_ instanceId: String) -> String { hex(workflowSpanValue(instanceId)) }

    /// The span of one task (one attempt of a step): what its request, cancellation and lifecycle
    /// events carry, and so the parent of the worker's span.
    public static func taskSpan(_ instanceId: String, _ taskId: String) -> String { hex(taskSpanValue(instanceId, taskId)) }

    /// `workflowSpan` as a number, for `traceparentBytes` (every record of the hot path).
    public static func workflowSpanValue(_ instanceId: String) -> UInt64 { span(part("workflow"), part(instanceId)) }

    /// `taskSpan` as a number, for `traceparentBytes`.
    public static func taskSpanValue(_ instanceId: String, _ taskId: String) -> UInt64 { span(part("task"), part(instanceId), part(taskId)) }

    /// The `traceparent` header naming `spanId` in this trace.
    public func traceparent(spanId: String) -> String {
        "00-\(traceId)-\(spanId)-\(sampled ? "01" : "00")"
    }

    /// The same header as bytes, built without intermediate strings: it goes on every task
    /// request, cancellation and lifecycle event.
    public func traceparentBytes(spanId: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(55)
        bytes.append(contentsOf: [0x30, 0x30, 0x2D])  // "00-"
        bytes.append(contentsOf: traceId.utf8)
        bytes.append(0x2D)
        LowercaseHex.append(spanId, to: &bytes)
        bytes.append(contentsOf: sampled ? [0x2D, 0x30, 0x31] : [0x2D, 0x30, 0x30])
        return bytes
    }

    /// The context of a child workflow: the same trace, with `spanId` (its parent's span) as parent.
    public func child(of spanId: String) -> TraceContext {
        TraceContext(traceId: traceId, parentId: spanId, sampled: sampled, state: state)
    }

    /// FNV-1a (the hash of `stableHash`), written out so the hot path allocates nothing.
    private static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// `hash` continued over `text` and a separator byte, as `stableHash` does for each part.
    private static func fnv(_ hash: UInt64, _ text: String) -> UInt64 {
        var hash = hash
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= prime
        }
        hash ^= 0xFF
        hash &*= prime
        return hash
    }

    /// `stableHash(text)`.
    private static func part(_ text: String) -> UInt64 { fnv(offsetBasis, text) }

    private static func span(_ a: UInt64, _ b: UInt64, _ c: UInt64? = nil) -> UInt64 {
        var hash = offsetBasis
        for part in [a, b] {
            hash ^= part
            hash &*= prime
        }
        if let c {
            hash ^= c
            hash &*= prime
        }
        return hash == 0 ? 1 : hash
    }

    private static func hex(_ value: UInt64) -> String { LowercaseHex.encode(value) }

    private static func isHex(_ text: Substring, count: Int) -> Bool {
        text.utf8.count == count && LowercaseHex.isHex(text)
    }
}
