import BatonCore
import BatonCron
import BatonExpressions
import Foundation

/// A schedule as its owner writes it (the REST body, the CLI), validated exhaustively: every
/// problem at once, each with its field, as definitions are.
///
/// ```json
/// {"id": "nightly-report", "workflowId": "report", "cron": "30 2 * * *", "timezone": "Europe/Berlin",
///  "overlap": "skip", "catchupWindow": "10m", "input": {"day": "${ $.schedule.fireTime }"}}
/// ```
/// `every: "15m"` instead of `cron` fires on a grid from `startAt` (or from the Unix epoch, so
/// quarter hours fall on :00, :15, :30, :45).
public struct ScheduleDocument: Sendable, Hashable {
    public var id: String
    public var workflowId: String
    public var spec: ScheduleSpec
    public var paused: Bool
    /// The instance input: a JSON template rendered with `$.schedule` (`id`, `fireTime`).
    public var input: JSONValue
    /// As written, for the store and the API.
    public var source: JSONValue
    /// The definition whose `schedules:` list this schedule (set by Baton, never by a client):
    /// registering a version of it updates or deletes the schedule.
    public var definedBy: String?

    public static let fields: Set<String> = [
        "id", "workflowId", "description", "cron", "every", "timezone", "startAt", "endAt", "overlap", "catchupWindow", "paused", "input", "definedBy",
    ]

    /// The catch-up window when none is given: a restart within a minute runs what it missed.
    public static let defaultCatchupWindow: TimeInterval = 60

    public init(parsing document: JSONValue) throws(ScheduleDocumentError) {
        var issues: [ScheduleDocumentError.Issue] = []
        func issue(_ field: String, _ message: String) { issues.append(.init(field: field, message: message)) }
        guard case .object(let members) = document else {
            throw ScheduleDocumentError(issues: [.init(field: "", message: "a schedule must be an object, found \(document.typeName)")])
        }
        for key in members.keys.sorted() where !Self.fields.contains(key) {
            issue("/" + key, "unknown field '\(key)' (allowed: \(Self.fields.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String, required: Bool = false) -> String? {
            switch members[key] {
            case nil, .null?:
                if required { issue("/" + key, "'\(key)' is required") }
                return nil
            case .string(let text)?: return text
            case let other?:
                issue("/" + key, "'\(key)' must be a string, found \(other.typeName)")
                return nil
            }
        }
        func identifier(_ key: String) -> String {
            guard let value = string(key, required: true) else { return "" }
            if !DefinitionCompiler.isValidIdentifier(value) {
                issue("/" + key, "'\(value)' is not a valid id: use 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit")
            }
            return value
        }
        func seconds(_ key: String) -> TimeInterval? {
            guard let value = members[key], value != .null else { return nil }
            guard let milliseconds = parseDuration(value) else {
                issue("/" + key, "'\(key)' must be a duration such as 30s, 15m or 1h, found \(value.serialized())")
                return nil
            }
            return TimeInterval(milliseconds) / 1000
        }
        func date(_ key: String) -> Date? {
            guard let text = string(key) else { return nil }
            guard let timestamp = Timestamp(iso8601: text) else {
                issue("/" + key, "'\(text)' is not an RFC 3339 date-time such as 2026-12-01T00:00:00Z")
                return nil
            }
            return timestamp.date
        }

        let id = identifier("id")
        let workflowId = identifier("workflowId")
        _ = string("description")
        let startAt = date("startAt")
        let endAt = date("endAt")
        if let startAt, let endAt, endAt <= startAt { issue("/endAt", "'endAt' must be after 'startAt'") }

        var timing: ScheduleTiming?
        let cron = string("cron")
        let every = seconds("every")
        let zoneName = string("timezone")
        switch (cron, members["every"]) {
        case (nil, nil), (nil, .null?):
            issue("", "a schedule needs 'cron' (an expression) or 'every' (a duration)")
        case (_?, let other?) where other != .null:
            issue("/every", "'cron' and 'every' exclude each other")
        case (let expression?, _):
            var zone = TimeZone(identifier: "UTC")!
            if let zoneName {
                if let named = TimeZone(identifier: zoneName) { zone = named } else { issue("/timezone", "unknown time zone '\(zoneName)' (use an IANA name such as Europe/Berlin)") }
            }
            do {
                timing = .cron(CronSchedule(try CronExpression(parsing: expression), timeZone: zone))
            } catch {
                issue("/cron", error.field.map { "\($0) field: \(error.reason)" } ?? error.reason)
            }
        case (nil, _):
            if zoneName != nil { issue("/timezone", "'timezone' applies to 'cron' schedules; 'every' counts real time") }
            if let every {
                if every < 1 || every.rounded() != every {
                    issue("/every", "'every' must be whole seconds, at least 1s")
                } else {
                    timing = .interval(seconds: Int64(every), anchor: startAt ?? Date(timeIntervalSince1970: 0))
                }
            }
        }
        let overlapText = string("overlap") ?? OverlapPolicy.skip.rawValue
        let overlap = OverlapPolicy(rawValue: overlapText)
        if overlap == nil {
            issue("/overlap", "'overlap' must be one of \(OverlapPolicy.allCases.map(\.rawValue).joined(separator: ", ")), got '\(overlapText)'")
        }
        let catchup = seconds("catchupWindow") ?? Self.defaultCatchupWindow
        var paused = false
        switch members["paused"] {
        case nil, .null?: break
        case .bool(let flag)?: paused = flag
        case let other?: issue("/paused", "'paused' must be true or false, found \(other.typeName)")
        }
        let input = members["input"] ?? .object([:])
        for error in JSONTemplate.validate(input) {
            issue("/input" + error.pointer, "column \(error.column): \(error.message)")
        }
        guard issues.isEmpty, let timing, let overlap else { throw ScheduleDocumentError(issues: issues) }
        self.id = id
        self.workflowId = workflowId
        self.spec = ScheduleSpec(timing: timing, startAt: startAt, endAt: endAt, overlap: overlap, catchupWindow: catchup)
        self.paused = paused
        self.input = input
        self.source = document
        self.definedBy = members["definedBy"]?.stringValue
    }
}

/// Every problem of a schedule document, each with its JSON Pointer.
public struct ScheduleDocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Issue: Sendable, Hashable {
        public var field: String
        public var message: String
    }

    public var issues: [Issue]

    public var description: String {
        issues.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }.joined(separator: "; ")
    }
}
