import BatonCore
import BatonSecurity

/// The append-only audit log of a store: who changed what, and who was refused.
///
/// Appends are chained (`AuditChain`) and serialised across every process sharing the store, so
/// the chain has one order; nothing updates or deletes a record (retention leaves the table alone).
public protocol AuditStore: Sendable {
    /// Appends `entry` after the last record and returns it with its sequence and hashes.
    func appendAudit(_ entry: AuditEntry) async throws(StoreError) -> AuditRecord
    /// Records after `query.afterSequence` matching its filters, in sequence order.
    func auditRecords(_ query: AuditQuery) async throws(StoreError) -> [AuditRecord]
}

/// Filters of an audit read; every one set must match.
public struct AuditQuery: Sendable, Hashable {
    public var actor: String?
    public var action: String?
    /// A target or the start of one (`/v1/instances/inst-1` finds its cancel and its signals).
    public var targetPrefix: String?
    public var from: Timestamp?
    public var until: Timestamp?
    public var afterSequence: Int64
    public var limit: Int

    public init(
        actor: String? = nil, action: String? = nil, targetPrefix: String? = nil, from: Timestamp? = nil, until: Timestamp? = nil,
        afterSequence: Int64 = 0, limit: Int = 100
    ) {
        self.actor = actor
        self.action = action
        self.targetPrefix = targetPrefix
        self.from = from
        self.until = until
        self.afterSequence = afterSequence
        self.limit = limit
    }

    /// Whether `record` passes the filters (stores without SQL use it; the SQL stores say the same in SQL).
    public func matches(_ record: AuditRecord) -> Bool {
        let entry = record.entry
        return record.sequence > afterSequence && (actor.map { $0 == entry.actor } ?? true) && (action.map { $0 == entry.action } ?? true)
            && (targetPrefix.map { entry.target.hasPrefix($0) } ?? true) && (from.map { entry.time >= $0 } ?? true) && (until.map { entry.time < $0 } ?? true)
    }
}
