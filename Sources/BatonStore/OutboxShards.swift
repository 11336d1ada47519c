/// The outbox split into shards, each published by one process at a time.
///
/// With several Baton processes on one database, each commit writes outbox rows for the instances
/// it moved, wherever the inputs arrived. If every process published what it committed, two
/// processes could send one instance's messages out of order. Instead every row belongs to a
/// shard (a hash of its Kafka key, which is the instance id for everything Baton itself emits),
/// and a shard is published only by the process holding its lease: one relay per shard, in
/// sequence order, so the messages of one key keep the order they were committed in.
public enum OutboxShards {
    /// Shards of the outbox. More than any sensible number of processes, few enough that every
    /// process can scan all of its shards in one query.
    public static let count = 64

    /// The shard of a row with Kafka key `key` (FNV-1a, stable across processes and releases);
    /// rows without a key are in shard 0.
    public static func shard(forKey key: [UInt8]?) -> Int {
        guard let key else { return 0 }
        var hash: UInt32 = 2_166_136_261
        for byte in key {
            hash ^= UInt32(byte)
            hash &*= 16_777_619
        }
        return Int(hash % UInt32(count))
    }
}

/// The right to publish one shard, until the database hands it to someone else.
///
/// `epoch` is the fencing token: it grows every time the shard changes hands, and removing
/// published rows succeeds only while the lease row still names this holder and this epoch, so
/// a process that lost the shard (paused past its lease, cut off from the database) can no longer
/// touch its rows.
extension SharedWorkflowStore {
    public func pendingOutbox(leases: [OutboxLease], after: Int64, excluding: [Int64], limit: Int) async throws(StoreError) -> [OutboxMessage] {
        try await scanOutbox(leases: leases, after: after, excluding: excluding, known: [:], limit: limit).rows
    }
}

/// One read of the leased shards' outbox rows.
public struct OutboxScan: Sendable {
    public var rows: [OutboxMessage]
    public var horizon: OutboxHorizon

    public init(rows: [OutboxMessage], horizon: OutboxHorizon) {
        self.rows = rows
        self.horizon = horizon
    }
}

/// When sequences drawn by concurrent transactions are settled.
///
/// Several processes commit outbox rows at once, so a row can become visible after rows with
/// higher sequences: its transaction drew its sequence first and committed later. A relay that
/// scanned past it would miss it, or publish it after later rows of its instance (a late row is
/// the newest of its instance when it appears, but that instance's next commit can follow at
/// once). So a relay may skip over a sequence only once no transaction that could still commit
/// a row at or below it is running: `lastSequence` is the last sequence drawn just before the
/// read (every transaction that draws one later was given its transaction id after the read),
/// and once a later read's `oldestRunning` has passed this read's `nextTransaction`, every
/// transaction that might hold a sequence up to `lastSequence` has ended. This requires a
/// commit to take its transaction id before it draws outbox sequences (the store's commit does).
public struct OutboxHorizon: Sendable, Hashable {
    /// The outbox sequence's last value, read before the rows.
    public var lastSequence: Int64
    /// The oldest transaction still running when the rows were read.
    public var oldestRunning: Int64
    /// The first transaction id not yet given out when the rows were read.
    public var nextTransaction: Int64

    public init(lastSequence: Int64, oldestRunning: Int64, nextTransaction: Int64) {
        self.lastSequence = lastSequence
        self.oldestRunning = oldestRunning
        self.nextTransaction = nextTransaction
    }
}

public struct OutboxLease: Sendable, Hashable {
    public var shard: Int
    public var epoch: Int64

    public init(shard: Int, epoch: Int64) {
        self.shard = shard
        self.epoch = epoch
    }
}

/// What one lease round returned.
public struct OutboxLeaseGrant: Sendable, Hashable {
    /// Every shard this member holds now (renewed or newly taken).
    public var leases: [OutboxLease]
    /// Members seen within the lease time, this one included: the shards are spread over them.
    public var members: Int

    public init(leases: [OutboxLease], members: Int) {
        self.leases = leases
        self.members = members
    }
}

/// A store several processes share: the outbox is published per leased shard and due timers
/// are claimed, so each is handled by one process.
public protocol SharedWorkflowStore: WorkflowStore {
    /// True when other processes may write the store now. Then a decision is only as good as
    /// the revisions it read: a commit also verifies the revision of every instance in
    /// `StoreBatch.decidedFrom` it does not write (and holds them until it commits), so a
    /// decision that only read an instance (a timer found gone, an input found already applied)
    /// is refused as stale when another process moved that instance on meanwhile.
    var isShared: Bool { get }
    /// One heartbeat of `member`: records it as alive, renews the leases it still holds, gives
    /// back what exceeds its fair share (shards / live members, rounded up) and takes free or
    /// expired shards up to it. Times are the database's clock, so processes need not agree on
    /// theirs.
    func leaseOutboxShards(member: String, leaseMilliseconds: Int64) async throws(StoreError) -> OutboxLeaseGrant
    /// Gives every lease of `member` back and forgets it (a clean stop: others take over at
    /// once instead of after the lease time).
    func releaseOutboxShards(member: String) async throws(StoreError)
    /// The oldest unsent rows of the leased shards with a sequence above `after`, ascending by
    /// sequence, leaving out `excluding` (rows published and not yet removed), and where the
    /// database stood when it read them (see `OutboxHorizon`). A row in `known` (one this process
    /// committed and still holds) is not read again: the caller's copy is returned in its place.
    func scanOutbox(
        leases: [OutboxLease], after: Int64, excluding: [Int64], known: [Int64: OutboxMessage], limit: Int
    ) async throws(StoreError) -> OutboxScan
    /// Removes published rows of the shards `member` still holds at the given epochs; rows of a
    /// shard that changed hands stay for the new holder. Returns how many were removed.
    @discardableResult
    func markOutboxSent(_ sequences: [Int64], member: String, leases: [OutboxLease]) async throws(StoreError) -> Int
}
