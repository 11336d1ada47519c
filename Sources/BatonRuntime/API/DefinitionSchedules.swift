import BatonCore
import BatonExpressions
import BatonScheduling
import BatonStore

/// The `schedules:` of a definition: schedules the definition owns, kept in step with its latest
/// version. Registering a version creates the schedules it lists, updates those whose document
/// changed (their state — paused, tally, fire times decided — is kept) and deletes those an earlier
/// version listed and this one does not. Schedules created through the API are never touched.
public struct DefinitionSchedules: Sendable {
    let store: any ScheduleStore
    let clock: @Sendable () -> Timestamp

    public init(store: any ScheduleStore, clock: @escaping @Sendable () -> Timestamp = { .wallClock }) {
        self.store = store
        self.clock = clock
    }

    /// The schedule id of entry `entryId` of definition `definitionId`.
    public static func scheduleId(_ definitionId: String, _ entryId: String) -> String { "\(definitionId).\(entryId)" }

    /// The schedules a definition document lists, as complete schedule documents; every problem of
    /// every entry at once, with its pointer into the definition (`/schedules/1/cron`).
    public static func documents(in definition: JSONValue, definitionId: String) throws(ServiceError) -> [ScheduleDocument] {
        guard case .array(let entries)? = definition["schedules"] else { return [] }
        var documents: [ScheduleDocument] = []
        var issues: [DefinitionIssue] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(var members) = entry, let entryId = members["id"]?.stringValue else { continue }
            members["id"] = .string(scheduleId(definitionId, entryId))
            members["workflowId"] = .string(definitionId)
            members["definedBy"] = .string(definitionId)
            do {
                documents.append(try ScheduleDocument(parsing: .object(members)))
            } catch {
                issues += error.issues.map { DefinitionIssue(field: "/schedules/\(index)" + $0.field, message: $0.message) }
            }
        }
        guard issues.isEmpty else {
            throw ServiceError(.invalidDefinition, "the definition has \(issues.count) problem\(issues.count == 1 ? "" : "s") in its schedules", issues: issues)
        }
        return documents
    }

    /// Refuses ids taken by schedules the definition does not own (created through the API),
    /// before anything is registered.
    public func checkIds(_ documents: [ScheduleDocument], definitionId: String) async throws(ServiceError) {
        var issues: [DefinitionIssue] = []
        for (index, document) in documents.enumerated() {
            if let existing = try await mapStore({ try await store.schedule(id: document.id) }), Self.owner(existing) != definitionId {
                issues.append(DefinitionIssue(field: "/schedules/\(index)/id", message: "a schedule '\(document.id)' exists already and is not this definition's (delete it, or choose another id)"))
            }
        }
        guard issues.isEmpty else { throw ServiceError(.invalidDefinition, "a schedule id of the definition is taken", issues: issues) }
    }

    /// What registering a version did to its schedules.
    public struct Changes: Sendable, Hashable {
        public var created: [String] = []
        public var updated: [String] = []
        public var deleted: [String] = []
    }

    /// Brings the definition's schedules in step with `documents`.
    @discardableResult
    public func sync(_ documents: [ScheduleDocument], definitionId: String) async throws(ServiceError) -> Changes {
        var changes = Changes()
        let owned = try await mapStore { try await store.schedules(workflowId: definitionId) }.filter { Self.owner($0) == definitionId }
        let byId = Dictionary(uniqueKeysWithValues: owned.map { ($0.id, $0) })
        let now = clock()
        for document in documents {
            if let existing = byId[document.id] {
                guard existing.document != document.source else { continue }
                try await update(existing, to: document, now: now)
                changes.updated.append(document.id)
            } else {
                let state = ScheduleState(decidedThrough: now.date, paused: document.paused)
                let record = ScheduleRecord(
                    id: document.id, workflowId: definitionId, document: document.source, state: state.json,
                    nextFireAt: document.paused ? nil : document.spec.nextFireTime(after: now.date).map(Timestamp.init(date:)), createdAt: now, updatedAt: now)
                do throws(StoreError) {
                    try await store.createSchedule(record)
                    changes.created.append(document.id)
                } catch where error.code == .conflict {
                    // Another process registering the same version created it first.
                } catch {
                    throw ServiceError(.unavailable, "schedule '\(document.id)': \(error.message)")
                }
            }
        }
        let listed = Set(documents.map(\.id))
        for record in owned where !listed.contains(record.id) {
            if try await mapStore({ try await store.deleteSchedule(id: record.id) }) { changes.deleted.append(record.id) }
        }
        return changes
    }

    /// A new document on the stored state, by compare-and-set (again from a fresh read if another
    /// writer moved the schedule in between).
    private func update(_ record: ScheduleRecord, to document: ScheduleDocument, now: Timestamp) async throws(ServiceError) {
        var current = record
        for _ in 0..<5 {
            let state = ScheduleState(json: current.state) ?? ScheduleState(decidedThrough: now.date)
            var updated = current
            updated.document = document.source
            updated.updatedAt = now
            updated.nextFireAt = state.paused ? nil : document.spec.nextFireTime(after: state.decidedThrough).map(Timestamp.init(date:))
            do {
                _ = try await store.updateSchedule(updated, expectedVersion: current.version)
                return
            } catch where error.code == .stale {
                guard let fresh = try await mapStore({ try await store.schedule(id: record.id) }) else { return }
                current = fresh
            } catch {
                throw ServiceError(.unavailable, "schedule '\(record.id)': \(error.message)")
            }
        }
        throw ServiceError(.unavailable, "schedule '\(record.id)' kept changing while its definition was registered; register it again")
    }

    static func owner(_ record: ScheduleRecord) -> String? { record.document["definedBy"]?.stringValue }
}
