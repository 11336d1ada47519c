import BatonCore

/// A task request held back instead of written to the outbox, because its task type may only be
/// dispatched at a limited rate (`limits.taskRates`).
///
/// Held requests are rows committed with the decision that dispatched them (so nothing is lost
/// and the step is SCHEDULED as for any dispatch), released into the outbox oldest first by
/// `WorkflowStore.releaseHeld(_:)` as the type's token bucket allows. The bucket lives in the
/// store, so the rate holds for all processes together.
public struct HeldDispatch: Sendable, Hashable {
    /// What releases it: the task type.
    public var gate: String
    /// The task request, as it will be published.
    public var message: OutboxMessage
    /// The task it asks for: a task cancelled while its request is held has the request withdrawn
    /// (`StoreBatch.withdrawnTasks`), so no worker ever runs it.
    public var taskId: String?

    public init(gate: String, message: OutboxMessage, taskId: String? = nil) {
        self.gate = gate
        self.message = message
        self.taskId = taskId
    }
}

/// One release of held requests of one gate.
public struct ReleaseRequest: Sendable, Hashable {
    public var gate: String
    /// Tokens added per second.
    public var ratePerSecond: Double
    /// Most tokens the bucket keeps (the largest burst): one second's worth, at least one.
    public var burst: Double
    /// Most rows moved by this release.
    public var limit: Int
    public var now: Timestamp

    public init(gate: String, ratePerSecond: Double, limit: Int = 500, now: Timestamp) {
        self.gate = gate
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, ratePerSecond)
        self.limit = limit
        self.now = now
    }
}

/// A token bucket's stored state and its arithmetic, shared by the backends.
public struct TokenBucket: Sendable, Hashable {
    public var tokens: Double
    public var refilledAt: Timestamp

    public init(tokens: Double, refilledAt: Timestamp) {
        self.tokens = tokens
        self.refilledAt = refilledAt
    }

    /// A new bucket starts full.
    public static func full(_ request: ReleaseRequest) -> TokenBucket { TokenBucket(tokens: request.burst, refilledAt: request.now) }

    /// Refills for the time since the last refill (a clock that went back adds nothing), then
    /// takes one token per row released, at most `waiting` and the request's limit.
    /// - Returns: how many rows may go now.
    public mutating func take(_ request: ReleaseRequest, waiting: Int) -> Int {
        let elapsed = max(0, Double(request.now.milliseconds(since: refilledAt))) / 1000
        tokens = min(request.burst, tokens + elapsed * request.ratePerSecond)
        refilledAt = max(refilledAt, request.now)
        let taken = min(Int(tokens.rounded(.down)), waiting, request.limit)
        tokens -= Double(max(0, taken))
        return max(0, taken)
    }
}
