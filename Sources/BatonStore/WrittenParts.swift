import Synchronization

/// The revision of every instance part (foreach chunk) known to be in the database, by instance
/// and part key, so a commit writes only the parts whose revision moved. Shared by the SQL
/// backends.
///
/// Filled by reads and by commits; an instance missing here has all its parts written (an upsert,
/// so that is always safe). With several writers it stays right because a commit only lands when
/// its instance's revision is the one this process last read or wrote (compare-and-set), and the
/// parts in the database belong to that revision.
package final class WrittenParts: Sendable {
    private let revisions = Mutex<[String: [String: Int]]>([:])

    package init() {}

    /// The parts of the batch's instances whose revision is not known to be stored.
    package func toWrite(_ batch: EncodedBatch) -> [(instanceId: String, part: StoredPart)] {
        let known = revisions.withLock { cache in batch.instances.map { cache[$0.id] } }
        var write: [(instanceId: String, part: StoredPart)] = []
        for (instance, written) in zip(batch.instances, known) {
            for part in instance.parts where written?[part.key] != part.revision { write.append((instance.id, part)) }
        }
        return write
    }

    /// After a commit: the batch's parts are stored. Finished instances are forgotten (they
    /// change no more), so the cache holds only instances that can still move.
    package func committed(_ batch: EncodedBatch) {
        revisions.withLock { cache in
            for instance in batch.instances {
                if instance.terminal || instance.parts.isEmpty {
                    cache[instance.id] = nil
                } else {
                    var known: [String: Int] = [:]
                    for part in instance.parts { known[part.key] = part.revision }
                    cache[instance.id] = known
                }
            }
        }
    }

    /// After reading an instance's parts.
    package func read(instanceId: String, revisions known: [String: Int]) {
        revisions.withLock { $0[instanceId] = known }
    }
}
