import BatonCore

/// What the store holds right now that an operator watches: unfinished instances, timers, the
/// outbox backlog and dead letters. Read at each metrics scrape (a handful of counting queries,
/// not a scan of finished instances: the instance count uses the status index).
public struct StoreGauges: Sendable, Hashable {
    /// Unfinished instances (RUNNING, PAUSED) by workflow and status.
    public var unfinished: [UnfinishedCount]
    public var timers: Int
    /// Outbox rows not yet published (all processes' together, on a shared store).
    public var outbox: Int
    public var deadLetters: Int

    public init(unfinished: [UnfinishedCount] = [], timers: Int = 0, outbox: Int = 0, deadLetters: Int = 0) {
        self.unfinished = unfinished
        self.timers = timers
        self.outbox = outbox
        self.deadLetters = deadLetters
    }

    public struct UnfinishedCount: Sendable, Hashable {
        public var workflowId: String
        public var status: InstanceStatus
        public var count: Int

        public init(workflowId: String, status: InstanceStatus, count: Int) {
            self.workflowId = workflowId
            self.status = status
            self.count = count
        }
    }

    /// The statuses `unfinished` counts, as stored.
    public static let unfinishedStatuses: [InstanceStatus] = InstanceStatus.allCases.filter { !$0.isTerminal }
}

/// How a pooled store's connections are used by this process (PostgreSQL).
public struct StorePoolUse: Sendable, Hashable {
    /// Operations holding a connection.
    public var inUse: Int
    /// Operations waiting for a connection.
    public var waiting: Int
    /// The most connections the pool opens.
    public var capacity: Int

    public init(inUse: Int, waiting: Int, capacity: Int) {
        self.inUse = inUse
        self.waiting = waiting
        self.capacity = capacity
    }
}
