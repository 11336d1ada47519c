import BatonCore

/// An input Baton could not process, kept with the reason so an operator can fix the cause and
/// re-inject it. The same record goes to the dead-letter topic for stream consumers.
public struct DeadLetterRecord: Sendable, Hashable {
    /// Assigned by the store on insert (0 before), ascending.
    public var id: Int64
    public var sourceTopic: String
    public var sourcePartition: Int32
    public var sourceOffset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    /// The original headers, without Baton's `baton-dlq-*` ones.
    public var headers: [OutboxHeader]
    /// `MessageError.Reason` raw value, e.g. `SCHEMA_VIOLATION`.
    public var reason: String
    public var message: String
    public var pointer: String?
    public var createdAt: Timestamp
    /// When it was last re-injected; nil while pending.
    public var redrivenAt: Timestamp?
    public var redriveCount: Int

    public init(
        id: Int64 = 0, sourceTopic: String, sourcePartition: Int32, sourceOffset: Int64, key: [UInt8]?, value: [UInt8],
        headers: [OutboxHeader] = [], reason: String, message: String, pointer: String? = nil, createdAt: Timestamp,
        redrivenAt: Timestamp? = nil, redriveCount: Int = 0
    ) {
        self.id = id
        self.sourceTopic = sourceTopic
        self.sourcePartition = sourcePartition
        self.sourceOffset = sourceOffset
        self.key = key
        self.value = value
        self.headers = headers
        self.reason = reason
        self.message = message
        self.pointer = pointer
        self.createdAt = createdAt
        self.redrivenAt = redrivenAt
        self.redriveCount = redriveCount
    }
}

/// A filter and a page position for listing dead letters, oldest first.
public struct DeadLetterQuery: Sendable, Hashable {
    public var reason: String?
    public var sourceTopic: String?
    /// true: only not yet redriven; false: only redriven; nil: all.
    public var pending: Bool?
    /// Only ids greater than this (the previous page's last id).
    public var afterId: Int64
    /// 1...1000. Default: 100.
    public var limit: Int

    public init(reason: String? = nil, sourceTopic: String? = nil, pending: Bool? = nil, afterId: Int64 = 0, limit: Int = 100) {
        self.reason = reason
        self.sourceTopic = sourceTopic
        self.pending = pending
        self.afterId = afterId
        self.limit = limit
    }

    public func matches(_ record: DeadLetterRecord) -> Bool {
        record.id > afterId && (reason.map { $0 == record.reason } ?? true)
            && (sourceTopic.map { $0 == record.sourceTopic } ?? true)
            && (pending.map { $0 == (record.redrivenAt == nil) } ?? true)
    }
}
