/// The result of feeding one input to the engine: the new instance, what to append to its history,
/// and what to do once that is committed.
public struct Transition: Sendable, Hashable {
    public var instance: WorkflowInstance
    public var history: [HistoryEvent]
    public var effects: [Effect]
    /// Set when the input was ignored; `history` then holds one `InputIgnored` event and `effects`
    /// is empty. Rejections are values, not errors: duplicates are normal under at-least-once delivery.
    public var rejection: Rejection?

    public init(instance: WorkflowInstance, history: [HistoryEvent] = [], effects: [Effect] = [], rejection: Rejection? = nil) {
        self.instance = instance
        self.history = history
        self.effects = effects
        self.rejection = rejection
    }
}

/// Why an input changed nothing.
public enum Rejection: String, Sendable, Hashable, Codable, CaseIterable {
    /// The attempt's result was already applied (this one says the same).
    case duplicateResult = "DUPLICATE_RESULT"
    /// The attempt's result was already applied with another outcome; the first applied wins, and
    /// the runtime dead-letters this one as `CONFLICT`.
    case conflictingResult = "CONFLICTING_RESULT"
    /// The result is for an attempt that is no longer current (or was never dispatched).
    case staleAttempt = "STALE_ATTEMPT"
    /// The instance is COMPLETED, FAILED or CANCELLED.
    case instanceFinished = "INSTANCE_FINISHED"
    /// The result's step or attempt does not match the task id it names.
    case mismatchedResult = "MISMATCHED_RESULT"
    /// The timer is no longer pending (fired already, or cancelled by what happened since).
    case staleTimer = "STALE_TIMER"
    /// The timer is pending but its time has not come (it was moved later since it was read as due).
    case timerNotDue = "TIMER_NOT_DUE"
    /// A child instance reported an outcome its parent no longer waits for (the step was
    /// abandoned, timed out or retried since, or the report is a repeat).
    case staleChild = "STALE_CHILD"
    /// A start (trigger event) whose business key this running instance already has.
    case duplicateBusinessKey = "DUPLICATE_BUSINESS_KEY"
    /// An event for a wait that no longer waits (it received one already, timed out, or its
    /// instance moved on).
    case staleWait = "STALE_WAIT"
    /// A signal nobody waits for, with the instance's signal buffer full.
    case signalBufferFull = "SIGNAL_BUFFER_FULL"
    /// An admission for an instance that no longer waits in the queue (admitted already, or
    /// cancelled while it waited).
    case notQueued = "NOT_QUEUED"
}
