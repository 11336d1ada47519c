import BatonCore

/// When a task type's breaker opens and how long it stays open (`breakers.default`,
/// `breakers.taskTypes`).
public struct BreakerPolicy: Sendable, Hashable {
    /// Failed attempts (error results and timeouts) within `windowMilliseconds` that open it.
    public var failures: Int
    public var windowMilliseconds: Int64
    /// How long it stays open before one probe request goes out (half-open).
    public var coolDownMilliseconds: Int64

    public init(failures: Int = 10, windowMilliseconds: Int64 = 60_000, coolDownMilliseconds: Int64 = 30_000) {
        self.failures = max(1, failures)
        self.windowMilliseconds = max(1_000, windowMilliseconds)
        self.coolDownMilliseconds = max(100, coolDownMilliseconds)
    }
}

/// Where a breaker is. Raw values are what the API, metrics and events show.
public enum BreakerState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Requests of the type are dispatched.
    case closed = "CLOSED"
    /// Requests of the type are held (their steps stay SCHEDULED) until the cool-down passes.
    case open = "OPEN"
    /// One held request went out as a probe; its success closes the breaker, a failure opens it again.
    case halfOpen = "HALF_OPEN"
}

/// Outcomes of a task type's attempts seen by one process since its last report.
public struct BreakerTally: Sendable, Hashable {
    public var failures: Int
    public var successes: Int

    public init(failures: Int = 0, successes: Int = 0) {
        self.failures = failures
        self.successes = successes
    }
}

/// A change of state, announced on the lifecycle topic (`tasktype.circuit_opened`/`_closed`).
public enum BreakerTransition: String, Sendable, Hashable {
    case opened, halfOpened, closed
}

/// One task type's breaker as stored, shared by every process, and its pure state machine.
///
/// Failures are counted in a sliding window, estimated from two fixed windows (the previous one
/// weighted by how much of it still overlaps the sliding one), so the store keeps two numbers
/// instead of every failure's time.
public struct BreakerRecord: Sendable, Hashable {
    public var taskType: String
    public var state: BreakerState
    public var windowStartedAt: Timestamp
    public var previousFailures: Int
    public var failures: Int
    /// When it last opened (nil while it never has).
    public var openedAt: Timestamp?
    /// Whether the half-open probe has gone out.
    public var probeReleased: Bool
    public var changedAt: Timestamp

    public init(
        taskType: String, state: BreakerState = .closed, windowStartedAt: Timestamp, previousFailures: Int = 0, failures: Int = 0,
        openedAt: Timestamp? = nil, probeReleased: Bool = false, changedAt: Timestamp
    ) {
        self.taskType = taskType
        self.state = state
        self.windowStartedAt = windowStartedAt
        self.previousFailures = previousFailures
        self.failures = failures
        self.openedAt = openedAt
        self.probeReleased = probeReleased
        self.changedAt = changedAt
    }

    public static func closed(_ taskType: String, at now: Timestamp) -> BreakerRecord {
        BreakerRecord(taskType: taskType, windowStartedAt: now, changedAt: now)
    }

    /// Failures in the sliding window ending at `now`.
    public func failuresInWindow(at now: Timestamp, _ policy: BreakerPolicy) -> Double {
        let into = Double(min(max(0, now.milliseconds(since: windowStartedAt)), policy.windowMilliseconds)) / Double(policy.windowMilliseconds)
        return Double(previousFailures) * (1 - into) + Double(failures)
    }

    /// Applies what processes saw since the last update and the passing of time.
    ///
    /// - CLOSED: failures add up; at `policy.failures` in the window it opens.
    /// - OPEN: outcomes of requests sent before it opened are ignored; after the cool-down it
    ///   becomes HALF_OPEN (the caller then sends one held request as the probe).
    /// - HALF_OPEN: a success closes it (the held requests go out); a failure once the probe
    ///   went out opens it again for another cool-down.
    public mutating func apply(_ tally: BreakerTally, _ policy: BreakerPolicy, at now: Timestamp) -> BreakerTransition? {
        roll(to: now, policy)
        switch state {
        case .closed:
            failures += tally.failures
            guard failuresInWindow(at: now, policy) >= Double(policy.failures) else { return nil }
            state = .open
            openedAt = now
            changedAt = now
            return .opened
        case .open:
            guard let openedAt, now.milliseconds(since: openedAt) >= policy.coolDownMilliseconds else { return nil }
            state = .halfOpen
            probeReleased = false
            changedAt = now
            return .halfOpened
        case .halfOpen:
            if tally.successes > 0 {
                state = .closed
                failures = 0
                previousFailures = 0
                windowStartedAt = now
                probeReleased = false
                changedAt = now
                return .closed
            }
            if tally.failures > 0 && probeReleased {
                state = .open
                openedAt = now
                probeReleased = false
                changedAt = now
                return .opened
            }
            return nil
        }
    }

    /// Moves the fixed windows on so that `now` falls in the current one.
    private mutating func roll(to now: Timestamp, _ policy: BreakerPolicy) {
        let elapsed = now.milliseconds(since: windowStartedAt)
        guard elapsed >= policy.windowMilliseconds else { return }
        let windows = elapsed / policy.windowMilliseconds
        previousFailures = windows == 1 ? failures : 0
        failures = 0
        windowStartedAt = windowStartedAt.adding(milliseconds: windows * policy.windowMilliseconds)
    }
}

/// One update of the breakers: what this process saw, under which policies.
public struct BreakerUpdate: Sendable {
    /// Outcomes by task type since this process's last update.
    public var tallies: [String: BreakerTally]
    /// The policy of a task type's breaker; nil for a type without one (not tracked).
    public var policy: @Sendable (String) -> BreakerPolicy?
    public var now: Timestamp
    /// The lifecycle-topic record announcing a transition, written to the outbox in the same
    /// transaction (so it is published once, by whichever process made the change).
    public var announce: @Sendable (BreakerRecord, BreakerTransition) -> OutboxMessage?

    public init(
        tallies: [String: BreakerTally], policy: @escaping @Sendable (String) -> BreakerPolicy?, now: Timestamp,
        announce: @escaping @Sendable (BreakerRecord, BreakerTransition) -> OutboxMessage? = { _, _ in nil }
    ) {
        self.tallies = tallies
        self.policy = policy
        self.now = now
        self.announce = announce
    }

    /// Applies the update to the stored records (`stored`, by task type): the records to write
    /// back, the transitions made, and the task types whose probe must go out now.
    public func plan(_ stored: [String: BreakerRecord]) -> (changed: [BreakerRecord], transitions: [(BreakerRecord, BreakerTransition)], probes: [String]) {
        var changed: [BreakerRecord] = []
        var transitions: [(BreakerRecord, BreakerTransition)] = []
        var probes: [String] = []
        for type in Set(tallies.keys).union(stored.keys).sorted() {
            guard let policy = policy(type) else { continue }
            let tally = tallies[type] ?? BreakerTally()
            let before = stored[type]
            var record = before ?? .closed(type, at: now)
            let transition = record.apply(tally, policy, at: now)
            if record.state == .halfOpen && !record.probeReleased { probes.append(type) }
            if record != before { changed.append(record) }
            if let transition { transitions.append((record, transition)) }
        }
        return (changed, transitions, probes)
    }
}

/// What an update left: every breaker's record, and the probe requests it moved to the outbox.
public struct BreakerUpdateResult: Sendable {
    public var records: [BreakerRecord]
    public var transitions: [(record: BreakerRecord, transition: BreakerTransition)]
    /// Outbox rows of the probes released (for the relay).
    public var released: [OutboxMessage]

    public init(records: [BreakerRecord] = [], transitions: [(record: BreakerRecord, transition: BreakerTransition)] = [], released: [OutboxMessage] = []) {
        self.records = records
        self.transitions = transitions
        self.released = released
    }
}
