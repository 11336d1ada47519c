import BatonCore

/// One pass of admission: which QUEUED instances may start now under the concurrency limits.
///
/// The store decides, not a process, because only the store sees every process's instances and
/// definitions: a workflow's own limit is its latest stored version's `maxConcurrent`, read in
/// the pass (a process that has not yet learned a version registered elsewhere cannot admit past
/// it). The pass counts what runs (RUNNING and PAUSED instances, and QUEUED ones admitted earlier whose
/// start has not committed yet) and gives the oldest waiting instances the free slots, in one
/// transaction that no other pass runs beside (SQLite's single writer; an advisory lock on
/// PostgreSQL). An admitted instance gets the admission timer (`admissionTimerId`, due at once),
/// so its start goes through the timer service: durable, claimed by one process, fired again
/// after a crash, and counted as running from the moment it is admitted.
public struct AdmissionRequest: Sendable, Hashable {
    /// Instances of all workflows that may run at once; nil: no global limit.
    public var maxRunning: Int?
    /// Most instances admitted by this pass (the rest wait for the next).
    public var limit: Int
    /// The admission timers' fire time.
    public var now: Timestamp

    public init(maxRunning: Int?, limit: Int = 500, now: Timestamp) {
        self.maxRunning = maxRunning
        self.limit = limit
        self.now = now
    }
}

/// What a pass did, and the queue it left.
public struct AdmissionResult: Sendable, Hashable {
    /// Admitted by this pass, oldest first.
    public var admitted: [String]
    /// QUEUED instances still waiting for a slot after the pass, by workflow.
    public var waiting: [String: Int]

    public init(admitted: [String] = [], waiting: [String: Int] = [:]) {
        self.admitted = admitted
        self.waiting = waiting
    }

    public var waitingTotal: Int { waiting.values.reduce(0, +) }
}

/// The timer id that starts an admitted instance.
public let admissionTimerId = "admit"

/// A QUEUED instance not yet admitted, as a backend lists it.
public struct QueuedInstance: Sendable, Hashable {
    public var id: String
    public var workflowId: String
    public var createdAt: Timestamp

    public init(id: String, workflowId: String, createdAt: Timestamp) {
        self.id = id
        self.workflowId = workflowId
        self.createdAt = createdAt
    }
}

/// The arithmetic of a pass, shared by the backends so they differ only in how they count.
public enum AdmissionPlanner {
    /// How many of each waiting workflow's instances may be admitted: its own free slots, the
    /// global free slots and the pass's limit, whichever is least.
    ///
    /// - Parameters:
    ///   - limits: each waiting workflow's `maxConcurrent` (absent: none of its own).
    ///   - waiting: QUEUED and not admitted, by workflow.
    ///   - occupied: RUNNING, PAUSED or admitted, by workflow (any workflow, waiting or not).
    public static func room(_ request: AdmissionRequest, limits: [String: Int], waiting: [String: Int], occupied: [String: Int]) -> [String: Int] {
        let globalRoom = request.maxRunning.map { max(0, $0 - occupied.values.reduce(0, +)) } ?? Int.max
        var room: [String: Int] = [:]
        for (workflowId, count) in waiting where count > 0 {
            let own = limits[workflowId].map { max(0, $0 - occupied[workflowId, default: 0]) } ?? Int.max
            let free = min(own, globalRoom, request.limit, count)
            if free > 0 { room[workflowId] = free }
        }
        return room
    }

    /// The oldest candidates first (creation time, then id, across workflows), as many as the
    /// global free slots and the pass's limit allow; each workflow's list is already cut to its room.
    public static func choose(_ request: AdmissionRequest, candidates: [QueuedInstance], occupied: [String: Int]) -> [QueuedInstance] {
        let globalRoom = request.maxRunning.map { max(0, $0 - occupied.values.reduce(0, +)) } ?? Int.max
        let ordered = candidates.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return Array(ordered.prefix(min(globalRoom, request.limit)))
    }

    /// What stays waiting once `admitted` are taken out of `waiting`.
    public static func remaining(waiting: [String: Int], admitted: [QueuedInstance]) -> [String: Int] {
        var left = waiting
        for instance in admitted { left[instance.workflowId, default: 0] -= 1 }
        return left.filter { $0.value > 0 }
    }
}

/// The counting statements of a pass, the same SQL on SQLite and PostgreSQL.
public enum AdmissionSQL {
    /// QUEUED and not admitted, by workflow.
    public static let waiting = """
        SELECT workflow_id, COUNT(*) FROM instances i WHERE status = 'QUEUED'
        AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.instance_id = i.id AND t.timer_id = '\(admissionTimerId)') GROUP BY workflow_id
        """
    /// Running, paused, or admitted and not started yet, by workflow: one statement, so an
    /// instance whose start commits meanwhile (PostgreSQL reads each statement at its own
    /// snapshot) is counted once, as one or the other.
    public static let occupied = """
        SELECT workflow_id, CAST(SUM(n) AS BIGINT) FROM (
            SELECT workflow_id, COUNT(*) AS n FROM instances WHERE status IN ('RUNNING', 'PAUSED') GROUP BY workflow_id
            UNION ALL
            SELECT i.workflow_id, COUNT(*) AS n FROM timers t JOIN instances i ON i.id = t.instance_id
            WHERE t.timer_id = '\(admissionTimerId)' AND i.status = 'QUEUED' GROUP BY i.workflow_id
        ) AS occupied GROUP BY workflow_id
        """
}
