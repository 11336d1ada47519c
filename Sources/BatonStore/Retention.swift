import BatonCore

/// What one retention pass removes: finished instances whose last change is older than their
/// cutoff, with everything kept for them (history, step executions, parts), and dedupe marks
/// older than theirs — at most `limit` of each, in one short transaction, so a pass never holds
/// the writer long enough to stall the commit path.
public struct PurgeRequest: Sendable, Hashable {
    /// Finished instances last changed before this are removed; nil keeps them.
    public var finishedBefore: Timestamp?
    /// Cutoffs of particular workflows, replacing `finishedBefore` for them (nil: keep forever).
    public var workflowCutoffs: [String: Timestamp?]
    /// Dedupe marks (idempotency keys, trigger event ids) written before this are removed; nil keeps them.
    public var dedupeBefore: Timestamp?
    /// At most this many instances, and this many dedupe marks, per call.
    public var limit: Int

    public init(finishedBefore: Timestamp?, workflowCutoffs: [String: Timestamp?] = [:], dedupeBefore: Timestamp?, limit: Int = 500) {
        self.finishedBefore = finishedBefore
        self.workflowCutoffs = workflowCutoffs
        self.dedupeBefore = dedupeBefore
        self.limit = max(1, limit)
    }

    /// The statuses of instances retention may remove, as stored.
    public static let finishedStatuses: [InstanceStatus] = InstanceStatus.allCases.filter(\.isTerminal)
}

/// What a purge removed.
public struct PurgeResult: Sendable, Hashable {
    public var instances: Int
    public var dedupeMarks: Int

    public init(instances: Int = 0, dedupeMarks: Int = 0) {
        self.instances = instances
        self.dedupeMarks = dedupeMarks
    }
}
