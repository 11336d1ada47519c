import BatonCore
import BatonExpressions

/// A schedule as stored: its owner's document, the scheduler's state, and when it is next due.
///
/// The store does not interpret the two documents (BatonScheduling does); it keeps them with a
/// version so that processes deciding the same schedule meet at a compare-and-set instead of
/// overwriting each other.
public struct ScheduleRecord: Sendable, Hashable {
    public var id: String
    public var workflowId: String
    /// As the owner wrote it (timing, policies, input template).
    public var document: JSONValue
    /// The scheduler's memory: fire times decided, the buffered one, the instances still running.
    public var state: JSONValue
    /// When the scheduler should look next; nil while paused or once the schedule has ended.
    public var nextFireAt: Timestamp?
    /// 1 when created, one more at each update: the compare-and-set token.
    public var version: Int
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, workflowId: String, document: JSONValue, state: JSONValue, nextFireAt: Timestamp?, version: Int = 1,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.workflowId = workflowId
        self.document = document
        self.state = state
        self.nextFireAt = nextFireAt
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Where schedules live: the SQLite, PostgreSQL and in-memory stores implement it with the same
/// contract (`ScheduleStoreContractTests`).
public protocol ScheduleStore: Sendable {
    /// Stores a new schedule at version 1; `.conflict` when the id exists.
    func createSchedule(_ schedule: ScheduleRecord) async throws(StoreError)
    /// Replaces a schedule whose stored version is still `expectedVersion` and returns it at
    /// `expectedVersion + 1`; `.stale` (nothing written) when another writer got there first or
    /// the schedule was deleted.
    func updateSchedule(_ schedule: ScheduleRecord, expectedVersion: Int) async throws(StoreError) -> ScheduleRecord
    func schedule(id: String) async throws(StoreError) -> ScheduleRecord?
    /// Every schedule, or those of one workflow, ordered by id.
    func schedules(workflowId: String?) async throws(StoreError) -> [ScheduleRecord]
    /// Schedules due at `until` or before, the most overdue first.
    func dueSchedules(until: Timestamp, limit: Int) async throws(StoreError) -> [ScheduleRecord]
    /// False when there was no such schedule.
    func deleteSchedule(id: String) async throws(StoreError) -> Bool
}

extension StoreError {
    static func staleSchedule(_ id: String, expected: Int, found: Int?) -> StoreError {
        let found = found.map { "is at version \($0)" } ?? "no longer exists"
        return StoreError(.stale, "schedule '\(id)' was decided from version \(expected) but \(found); nothing was written")
    }

    /// For the stores' implementations of ``ScheduleStore/updateSchedule(_:expectedVersion:)``.
    public static func staleScheduleVersion(_ id: String, expected: Int, found: Int?) -> StoreError {
        staleSchedule(id, expected: expected, found: found)
    }

    /// For the stores' implementations of ``ScheduleStore/createSchedule(_:)``.
    public static func scheduleExists(_ id: String) -> StoreError {
        StoreError(.conflict, "schedule '\(id)' exists already")
    }
}
