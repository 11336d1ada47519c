import CRDKafka
import Synchronization

/// Topics whose partitions a consumer keeps paused, and whether the poll thread has applied
/// the latest change.
final class PausedTopics: Sendable {
    private struct State {
        var topics: Set<String> = []
        /// What the poll thread last applied.
        var applied: Set<String> = []
    }

    private let state = Mutex(State())

    var topics: Set<String> { state.withLock { $0.topics } }

    /// Whether the poll thread has applied the latest change (tests wait on it).
    var isApplied: Bool { state.withLock { $0.topics == $0.applied } }

    /// Returns false when nothing changed.
    func set(_ topics: Set<String>) -> Bool {
        state.withLock { s in
            guard s.topics != topics else { return false }
            s.topics = topics
            return true
        }
    }

    /// The topics to pause and to resume since the poll thread last applied a change (and
    /// marks this one applied); nil when there is none.
    func takeChange() -> (pause: Set<String>, resume: Set<String>)? {
        state.withLock { s in
            guard s.topics != s.applied else { return nil }
            defer { s.applied = s.topics }
            return (s.topics.subtracting(s.applied), s.applied.subtracting(s.topics))
        }
    }
}

extension KafkaConsumer {
    /// Stops fetching from `topics` (their assigned partitions now, and any assigned later) until
    /// `resume(topics:)`; the other topics keep flowing. Returns at once: the poll thread applies
    /// it within one poll interval (≤ 100 ms), and keeps serving rebalances and heartbeats
    /// meanwhile, so a paused member stays in its group. Messages librdkafka had fetched ahead
    /// are dropped and fetched again after the resume from the position Baton reached, so
    /// nothing is skipped.
    ///
    /// Baton pauses its trigger topic this way when work piles up (see `IntakeGovernor`).
    public func pause(topics: Set<String>) {
        _ = paused.set(paused.topics.union(topics))
    }

    /// Undoes `pause(topics:)` for `topics`.
    public func resume(topics: Set<String>) {
        _ = paused.set(paused.topics.subtracting(topics))
    }

    /// The topics paused now (as asked; applied within one poll interval).
    public var pausedTopics: Set<String> { paused.topics }

    /// On the poll thread, between polls: pauses the assigned partitions of newly paused topics
    /// and resumes those of topics no longer paused. Only partitions it paused are ever resumed:
    /// librdkafka 2.0.2 restarts a resumed partition that was not paused from its committed
    /// offset (measured: a running partition re-delivered from offset 0), so the rest of the
    /// assignment is left alone.
    static func applyPause(_ change: (pause: Set<String>, resume: Set<String>), client: OpaquePointer) {
        var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR, let assignment else { return }
        defer { rd_kafka_topic_partition_list_destroy(assignment) }
        let pause = partitions(of: change.pause, in: assignment)
        let resume = partitions(of: change.resume, in: assignment)
        defer {
            rd_kafka_topic_partition_list_destroy(pause)
            rd_kafka_topic_partition_list_destroy(resume)
        }
        if pause.pointee.cnt > 0 { _ = rd_kafka_pause_partitions(client, pause) }
        if resume.pointee.cnt > 0 { _ = rd_kafka_resume_partitions(client, resume) }
    }

    /// In the rebalance callback, right after an assignment: its partitions of paused topics
    /// start paused (librdkafka assigns partitions unpaused).
    static func pauseAssigned(_ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, topics: Set<String>, client: OpaquePointer) {
        guard !topics.isEmpty else { return }
        let pause = Self.partitions(of: topics, in: partitions)
        defer { rd_kafka_topic_partition_list_destroy(pause) }
        if pause.pointee.cnt > 0 { _ = rd_kafka_pause_partitions(client, pause) }
    }

    /// A new list (the caller destroys it) of the partitions of `topics` in `list`.
    private static func partitions(
        of topics: Set<String>, in list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let count = Int(list.pointee.cnt)
        let selected = rd_kafka_topic_partition_list_new(Int32(max(1, count)))!
        for index in 0..<count {
            let element = list.pointee.elems[index]
            if topics.contains(String(cString: element.topic)) { rd_kafka_topic_partition_list_add(selected, element.topic, element.partition) }
        }
        return selected
    }
}
