import BatonExpressions
import Testing

@testable import BatonAPI

/// What `baton list`, `baton definitions` and `baton history` print for a person.
@Suite("CLI views")
struct CLIViewTests {
    @Test func instancesAreATableWithTheNextCursor() {
        let page: JSONValue = [
            "items": [
                ["id": "i-2", "workflowId": "orders", "workflowVersion": 3, "status": "FAILED", "createdAt": "2026-12-07T10:00:00.000Z", "updatedAt": "2026-12-07T10:00:02.500Z", "error": ["code": "PAYMENT_DECLINED", "message": "no"]],
                ["id": "instance-1", "workflowId": "orders", "workflowVersion": 12, "status": "RUNNING", "createdAt": "2026-12-07T09:59:00.000Z", "updatedAt": "2026-12-07T09:59:01.000Z", "error": nil],
            ],
            "nextCursor": "abc",
        ]
        #expect(InstanceList.render(page) == """
            ID          WORKFLOW    STATUS   CREATED                   UPDATED                   ERROR
            i-2         orders v3   FAILED   2026-12-07T10:00:00.000Z  2026-12-07T10:00:02.500Z  PAYMENT_DECLINED
            instance-1  orders v12  RUNNING  2026-12-07T09:59:00.000Z  2026-12-07T09:59:01.000Z  
            (more: --cursor abc)
            """)
        #expect(InstanceList.render(["items": [], "nextCursor": nil]) == "no instances")
    }

    @Test func definitionsAreATable() {
        let list: JSONValue = ["items": [["id": "orders", "latestVersion": 3, "versionCount": 3, "updatedAt": "2026-12-07T10:00:00.000Z"]]]
        #expect(DefinitionList.render(list) == """
            ID      LATEST  VERSIONS  UPDATED
            orders  3       3         2026-12-07T10:00:00.000Z
            """)
    }

    @Test func historyIsATimelineWithWhereAndShortData() {
        let long = String(repeating: "x", count: 200)
        let events: [JSONValue] = [
            ["sequence": 1, "time": "2026-12-07T10:00:00.000Z", "type": "WorkflowStarted", "data": ["input": ["n": 1]]],
            ["sequence": 2, "time": "2026-12-07T10:00:00.010Z", "type": "TaskScheduled", "stepId": "charge", "executionId": "each[3]", "taskId": "i.1", "attempt": 2],
            ["sequence": 3, "time": "2026-12-07T10:00:00.020Z", "type": "TaskCompleted", "stepId": "charge", "data": ["note": .string(long)]],
        ]
        let lines = HistoryTimeline.render(events).split(separator: "\n").map(String.init)
        #expect(lines[0] == "#  TIME                      EVENT            WHERE                         DATA")
        #expect(lines[1] == "1  2026-12-07T10:00:00.000Z  WorkflowStarted                                {\"input\":{\"n\":1}}")
        #expect(lines[2] == "2  2026-12-07T10:00:00.010Z  TaskScheduled    charge [each[3]] task i.1 #2  ")
        #expect(lines[3].hasSuffix("…") && lines[3].hasPrefix("3  2026-12-07T10:00:00.020Z  TaskCompleted    charge"))
        #expect(lines[3].count == lines[2].count + HistoryTimeline.dataWidth, "data is cut to one line")
        #expect(HistoryTimeline.render([]) == "no history")
    }
}
