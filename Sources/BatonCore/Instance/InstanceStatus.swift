/// Where a workflow instance is in its life. Raw values are what the API, the store and the
/// lifecycle events show.
public enum InstanceStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waits for a slot under a concurrency limit (`maxConcurrent`, `limits.maxRunning`): created,
    /// in order, but no step has run. It starts (RUNNING) when the store admits it.
    case queued = "QUEUED"
    case running = "RUNNING"
    /// Schedules no new step; results of running tasks are recorded and acted on at resume.
    case paused = "PAUSED"
    case completed = "COMPLETED"
    case failed = "FAILED"
    case cancelled = "CANCELLED"
    /// The workflow-level `timeout` passed.
    case timedOut = "TIMED_OUT"

    /// A terminal instance accepts no further input.
    public var isTerminal: Bool { self != .running && self != .paused && self != .queued }
}

/// Where one step is, as the state document shows it (`$.steps.<id>.status`).
public enum StepStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// A task request was written to the outbox; no result yet.
    case scheduled = "SCHEDULED"
    /// An attempt failed; the next one starts when its retry timer fires.
    case retrying = "RETRYING"
    /// A `wait` step waits for its time.
    case waiting = "WAITING"
    /// A `parallel` step waits for its branches to join.
    case running = "RUNNING"
    /// Its work was abandoned: the instance was cancelled, timed out, failed elsewhere or rerun.
    case cancelled = "CANCELLED"
    case completed = "COMPLETED"
    case failed = "FAILED"
}
