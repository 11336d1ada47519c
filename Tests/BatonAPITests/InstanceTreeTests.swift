import BatonAPI
import BatonCore
import BatonExpressions
import Testing

/// `baton get` prints an instance as a tree of its executions.
@Suite("Instance tree")
struct InstanceTreeTests {
    @Test func branchesAndForeachCountsAppearUnderTheirSteps() {
        let view: JSONValue = [
            "id": "i1", "workflowId": "orders", "workflowVersion": 2, "status": "RUNNING", "error": nil,
            "currentSteps": [
                ["stepId": "score", "executionId": "checks/fraud", "taskId": "i1.2", "attempt": 1],
                ["stepId": "settle", "executionId": "each[7]", "taskId": "i1.9", "attempt": 2],
            ],
            "executions": [
                ["id": "root", "parentId": nil, "parentStepId": nil, "status": "RUNNING", "foreach": [
                    ["stepId": "each", "total": 1000, "started": 12, "running": 1, "completed": 10, "failed": 1],
                ]],
                ["id": "checks/fraud", "parentId": "root", "parentStepId": "checks", "status": "RUNNING", "foreach": []],
                ["id": "checks/stock", "parentId": "root", "parentStepId": "checks", "status": "COMPLETED", "foreach": []],
                ["id": "each[7]", "parentId": "root", "parentStepId": "each", "status": "RUNNING", "foreach": []],
            ],
        ]
        #expect(InstanceTree.render(view) == """
            i1  orders v2  RUNNING
            └─ root  RUNNING
               ├─ checks  parallel: 1 completed, 1 running
               │  ├─ checks/fraud  RUNNING  at score (task i1.2, attempt 1)
               │  └─ checks/stock  COMPLETED
               └─ each  foreach: 1000 items, 1 running, 10 completed, 1 failed, 988 waiting
                  └─ each[7]  RUNNING  at settle (task i1.9, attempt 2)
            """)
    }

    @Test func aChildShowsItsParentAndAParentTheChildItWaitsOn() {
        let parent: JSONValue = [
            "id": "p1", "workflowId": "order", "workflowVersion": 1, "status": "RUNNING", "error": nil, "currentSteps": [], "parent": nil,
            "children": [
                ["instanceId": "p1.1", "stepId": "ship", "executionId": "root", "attempt": 2, "stepStatus": "RUNNING"],
                ["instanceId": "p1.0", "stepId": "old", "executionId": "root", "attempt": 1, "stepStatus": "COMPLETED"],
            ],
            "executions": [["id": "root", "parentId": nil, "parentStepId": nil, "status": "RUNNING", "foreach": []]],
        ]
        #expect(InstanceTree.render(parent) == """
            p1  order v1  RUNNING
            └─ root  RUNNING  at ship (child p1.1, attempt 2)
            """)
        let child: JSONValue = [
            "id": "p1.1", "workflowId": "shipping", "workflowVersion": 3, "status": "RUNNING", "error": nil, "currentSteps": [], "children": [],
            "parent": ["instanceId": "p1", "executionId": "root", "stepId": "ship", "depth": 1],
            "executions": [["id": "root", "parentId": nil, "parentStepId": nil, "status": "RUNNING", "foreach": []]],
        ]
        #expect(InstanceTree.render(child) == """
            p1.1  shipping v3  RUNNING
              parent: p1 (step ship)
            └─ root  RUNNING
            """)
    }
}

