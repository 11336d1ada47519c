/// How large an input may be so that whatever Baton publishes because of it still fits in one
/// Kafka record.
///
/// The producer refuses a record larger than its `message.max.bytes`, and such a record could
/// never leave the outbox. So Baton sets that limit itself (``maxRecordBytes``) and holds every
/// input that enters (REST start bodies, trigger events, task results) to it less a reserve for
/// what Baton wraps around an input: a task request's or lifecycle event's envelope, ids and
/// headers, a dead letter's reason headers. What can still outgrow a record (a template that
/// repeats a large input) is caught where the message is written: an oversized task request fails
/// its step with `PAYLOAD_TOO_LARGE`, anything else is parked by the outbox relay.
public struct MessageBudget: Sendable, Hashable {
    /// The largest record Baton publishes: key, value and headers (the producer's
    /// `message.max.bytes`). Default: 1,000,000 bytes (librdkafka's own default; a broker's
    /// default limit is 1,048,588).
    public var maxRecordBytes: Int

    /// Room kept for Baton's envelope around an input. 16 KiB.
    public static let envelopeReserveBytes = 16 * 1024

    public init(maxRecordBytes: Int = 1_000_000) {
        self.maxRecordBytes = maxRecordBytes
    }

    /// The largest input accepted: a REST body, a trigger event's or a task result's value.
    public var maxInputBytes: Int { max(1024, maxRecordBytes - Self.envelopeReserveBytes) }
}

extension WireMessage {
    /// Key, value and headers: what counts against the producer's `message.max.bytes`.
    public var recordBytes: Int {
        (key?.count ?? 0) + value.count + headers.reduce(0) { $0 + $1.key.utf8.count + $1.value.count }
    }
}
