extension KafkaConsumer {
    /// What one consumer group member reads, and how it behaves in its group.
    public struct Options: Sendable {
        /// Members of the same group share the partitions and the committed offsets.
        public var groupId: String
        /// Topic names (or `^regex` patterns, as librdkafka accepts them).
        public var topics: [String]
        /// Upper bound of messages per batch, i.e. per store transaction. Default: 500.
        public var maxBatchSize: Int
        /// Where a group without a committed offset starts. Default: `"earliest"`, because with
        /// `"latest"` a new group silently skips what was produced before it first committed.
        public var autoOffsetReset: String
        /// How long a member may stay silent before the group gives its partitions to others;
        /// it also bounds how long a crashed member's partitions stay unconsumed. Default: 10 seconds.
        public var sessionTimeout: Duration
        /// Also deliver an empty batch after each poll that found nothing (about every 100 ms
        /// while idle), so a consumer loop can do periodic work — e.g. retry a failed commit —
        /// without a second wake-up source. Default: false.
        public var deliversIdleBatches: Bool
        /// Report offsets that retention deleted before this group read them, instead of jumping
        /// over them with one warning line (librdkafka's `auto.offset.reset=earliest`): the batch
        /// then holds a marker (``KafkaMessage/lostOffsets``) where the lost messages were, and
        /// reading goes on from the oldest offset the broker still has. `autoOffsetReset` then
        /// only says where a partition without a committed offset starts. Default: false.
        public var reportsLostOffsets: Bool

        public init(
            groupId: String,
            topics: [String],
            maxBatchSize: Int = 500,
            autoOffsetReset: String = "earliest",
            sessionTimeout: Duration = .seconds(10),
            deliversIdleBatches: Bool = false,
            reportsLostOffsets: Bool = false
        ) {
            self.groupId = groupId
            self.topics = topics
            self.maxBatchSize = maxBatchSize
            self.autoOffsetReset = autoOffsetReset
            self.sessionTimeout = sessionTimeout
            self.deliversIdleBatches = deliversIdleBatches
            self.reportsLostOffsets = reportsLostOffsets
        }
    }
}
