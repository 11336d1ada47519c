import BatonCron
import BatonExpressions
import Foundation
import Testing

@testable import BatonScheduling

@Suite("Schedule documents")
struct ScheduleDocumentTests {
    @Test func aCronScheduleWithEveryField() throws {
        let document: JSONValue = [
            "id": "nightly", "workflowId": "report", "cron": "30 2 * * *", "timezone": "Europe/Berlin", "overlap": "bufferOne",
            "catchupWindow": "10m", "startAt": "2026-12-01T00:00:00Z", "endAt": "2027-12-01T00:00:00Z", "paused": true,
            "input": ["day": "${ $.schedule.fireTime }"], "description": "the nightly report",
        ]
        let parsed = try ScheduleDocument(parsing: document)
        #expect(parsed.id == "nightly" && parsed.workflowId == "report" && parsed.paused)
        #expect(parsed.spec.overlap == .bufferOne && parsed.spec.catchupWindow == 600)
        #expect(parsed.spec.startAt == Date(timeIntervalSince1970: 1_796_083_200))
        guard case .cron(let cron) = parsed.spec.timing else { Issue.record("not cron: \(parsed.spec.timing)"); return }
        #expect(cron.timeZone.identifier == "Europe/Berlin" && cron.expression.source == "30 2 * * *")
        #expect(parsed.source == document)
    }

    @Test func anIntervalDefaultsToTheEpochGridAndSkip() throws {
        let parsed = try ScheduleDocument(parsing: ["id": "poll", "workflowId": "sync", "every": "15m"])
        #expect(parsed.spec.timing == .interval(seconds: 900, anchor: Date(timeIntervalSince1970: 0)))
        #expect(parsed.spec.overlap == .skip && parsed.spec.catchupWindow == ScheduleDocument.defaultCatchupWindow && !parsed.paused)
        #expect(parsed.input == [:])
        // 10:07 → the next quarter hour.
        #expect(parsed.spec.nextFireTime(after: Date(timeIntervalSince1970: 1_780_000_020)) == Date(timeIntervalSince1970: 1_780_000_200))
    }

    @Test func everyProblemAtOnceWithItsField() {
        let document: JSONValue = [
            "id": "bad id", "cron": "61 * * * *", "every": "5m", "timezone": "Mars/Olympus", "overlap": "sometimes", "catchupWindow": "soon",
            "startAt": "yesterday", "paused": "no", "input": ["x": "${ $.schedule. }"], "extra": 1,
        ]
        #expect(throws: ScheduleDocumentError.self) { try ScheduleDocument(parsing: document) }
        do {
            _ = try ScheduleDocument(parsing: document)
        } catch {
            let fields = error.issues.map(\.field)
            #expect(fields == ["/extra", "/id", "/workflowId", "/startAt", "/every", "/overlap", "/catchupWindow", "/paused", "/input/x"], "\(error.issues)")
            #expect(error.issues.contains(.init(field: "/workflowId", message: "'workflowId' is required")))
            #expect(error.issues.contains(.init(field: "/every", message: "'cron' and 'every' exclude each other")))
            #expect(error.issues.contains(.init(field: "/overlap", message: "'overlap' must be one of skip, bufferOne, allow, cancelPrevious, got 'sometimes'")))
        }
    }

    @Test(arguments: [
        (["id": "s", "workflowId": "w"] as JSONValue, "", "a schedule needs 'cron' (an expression) or 'every' (a duration)"),
        (["id": "s", "workflowId": "w", "cron": "61 * * * *"] as JSONValue, "/cron", "minute field: 61 is outside 0–59"),
        (["id": "s", "workflowId": "w", "cron": "* * * * *", "timezone": "Mars/Olympus"] as JSONValue, "/timezone", "unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Berlin)"),
        (["id": "s", "workflowId": "w", "every": "5m", "timezone": "UTC"] as JSONValue, "/timezone", "'timezone' applies to 'cron' schedules; 'every' counts real time"),
        (["id": "s", "workflowId": "w", "every": "1500ms"] as JSONValue, "/every", "'every' must be whole seconds, at least 1s"),
        (["id": "s", "workflowId": "w", "every": "1m", "startAt": "2026-12-02T00:00:00Z", "endAt": "2026-12-01T00:00:00Z"] as JSONValue, "/endAt", "'endAt' must be after 'startAt'"),
    ])
    func oneProblem(_ document: JSONValue, _ field: String, _ message: String) {
        #expect(throws: ScheduleDocumentError(issues: [.init(field: field, message: message)])) { try ScheduleDocument(parsing: document) }
    }

    @Test func stateRoundTripsThroughItsStoredForm() throws {
        let state = ScheduleState(
            decidedThrough: Date(timeIntervalSince1970: 1_780_000_000), buffered: Date(timeIntervalSince1970: 1_780_000_060), paused: true,
            activeInstanceIds: ["i-1", "i-2"])
        #expect(state.json == [
            "decidedThrough": "2026-05-28T20:26:40.000Z", "buffered": "2026-05-28T20:27:40.000Z", "paused": true, "activeInstanceIds": ["i-1", "i-2"],
            "tally": ["started": 0, "skipped": 0, "missed": 0, "lastMissed": nil],
        ])
        #expect(ScheduleState(json: state.json) == state)
        #expect(ScheduleState(json: ["decidedThrough": "soon", "buffered": nil, "paused": false, "activeInstanceIds": []]) == nil)
        #expect(ScheduleState(json: ["decidedThrough": "2026-05-28T20:26:40.000Z", "buffered": "x", "paused": false, "activeInstanceIds": []]) == nil)
    }

    @Test func noFireTimeAfterTheYear9999() throws {
        let late = try ScheduleDocument(parsing: ["id": "late", "workflowId": "w", "cron": "0 0 1 1 *", "startAt": "9999-06-01T00:00:00Z"])
        #expect(late.spec.nextFireTime(after: Date(timeIntervalSince1970: 0)) == nil)
        let rare = try ScheduleDocument(parsing: ["id": "rare", "workflowId": "w", "every": "900000000000s"])
        #expect(rare.spec.nextFireTime(after: Date(timeIntervalSince1970: 1_800_000_000)) == nil)
    }
}
