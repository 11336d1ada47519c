import BatonCore
import BatonStore
import Synchronization

/// Running instances by id, with the revision they were committed at, within a byte budget.
///
/// The store stays the source of truth: a miss costs one read. The budget is in (estimated)
/// bytes, not a count, because instances differ by orders of magnitude (a three-step order
/// against a 10,000-item fan-out), and the least recently used go first, so instances that
/// wait for days leave room for the ones that move. A cached instance another writer has moved
/// on since is caught by the store's compare-and-set.
final class InstanceCache: Sendable {
    private struct Entry: Sendable {
        var versioned: VersionedInstance
        var footprint: InstanceFootprint
    }

    private let entries: Mutex<LRUMap<String, Entry>>

    init(capacityBytes: Int) {
        entries = Mutex(LRUMap(capacityBytes: capacityBytes))
    }

    func get(_ id: String) -> VersionedInstance? { entries.withLock { $0.get(id)?.versioned } }

    /// Measures the instance (re-measuring only what changed since its previous entry) and keeps it
    /// as the most recently used.
    func put(_ versioned: VersionedInstance) {
        let id = versioned.instance.id
        let previous = entries.withLock { $0.peek(id)?.footprint }
        let footprint = InstanceFootprint(versioned.instance, previous: previous)
        entries.withLock { $0.put(id, Entry(versioned: versioned, footprint: footprint), bytes: footprint.bytes) }
    }

    func remove(_ id: String) { entries.withLock { _ = $0.remove(id) } }

    var statistics: InstanceCacheStatistics {
        entries.withLock { InstanceCacheStatistics(instances: $0.count, bytes: $0.bytes, capacityBytes: $0.capacityBytes, evictions: $0.evictions) }
    }
}

/// What the instance cache holds now.
public struct InstanceCacheStatistics: Sendable, Hashable {
    public var instances: Int
    /// Estimated bytes of the cached instances, within `capacityBytes`.
    public var bytes: Int
    public var capacityBytes: Int
    /// Instances dropped to stay within the budget since start.
    public var evictions: Int
}
