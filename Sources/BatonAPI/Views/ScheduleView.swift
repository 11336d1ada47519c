import BatonCore
import BatonExpressions
import BatonScheduling
import BatonStore
import Foundation

/// A schedule as the API shows it (schema `Schedule` in `schemas/openapi.yaml`): the document as
/// written, whether it is paused, when it next fires and the next few fire times, and what the
/// scheduler remembers.
enum ScheduleView {
    /// Fire times listed under `upcoming`.
    static let upcomingCount = 5

    static func render(_ record: ScheduleRecord) -> JSONValue {
        let state = ScheduleState(json: record.state)
        let document = try? ScheduleDocument(parsing: record.document)
        var upcoming: [JSONValue] = []
        if let document, let state, !state.paused {
            var cursor = state.decidedThrough
            while upcoming.count < upcomingCount, let next = document.spec.nextFireTime(after: cursor) {
                upcoming.append(.string(iso(next)))
                cursor = next
            }
        }
        return [
            "id": .string(record.id),
            "workflowId": .string(record.workflowId),
            "document": record.document,
            "paused": .bool(state?.paused ?? false),
            "nextFireAt": record.nextFireAt.map { .string($0.iso8601) } ?? .null,
            "upcoming": .array(upcoming),
            "decidedThrough": state.map { .string(iso($0.decidedThrough)) } ?? .null,
            "buffered": state?.buffered.map { .string(iso($0)) } ?? .null,
            "activeInstanceIds": .array((state?.activeInstanceIds ?? []).map(JSONValue.string)),
            "tally": (state?.tally ?? ScheduleTally()).json,
            "version": .number(Double(record.version)),
            "createdAt": .string(record.createdAt.iso8601),
            "updatedAt": .string(record.updatedAt.iso8601),
        ]
    }

    static func location(_ id: String) -> String {
        "/v1/schedules/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)
    }

    private static func iso(_ date: Date) -> String {
        Timestamp(date: date).iso8601
    }
}
