import BatonExpressions

/// Definitions and expected values shared by the API tests.
enum Fixtures {
    /// One task step (with a timeout, so `currentSteps` has a deadline) then success.
    static let orderDefinition: JSONValue = [
        "id": "order",
        "name": "Order",
        "steps": [
            ["id": "charge", "type": "task", "taskType": "payments.charge", "timeout": "30s", "next": "done"],
            ["id": "done", "type": "succeed"],
        ],
    ]

    /// Another workflow, to check filtering by `workflowId`.
    static let refundDefinition: JSONValue = [
        "id": "refund",
        "steps": [["id": "refund", "type": "task", "taskType": "payments.refund"]],
    ]

    static let greetingYAML = """
        id: greeting
        steps:
          - id: hello
            type: task
            taskType: greet
        """

    /// `greetingYAML` as the JSON document the store keeps.
    static let greetingDocument: JSONValue = [
        "id": "greeting",
        "steps": [["id": "hello", "type": "task", "taskType": "greet"]],
    ]

    /// 2027-01-15T08:00:00.000Z, the harness clock's start.
    static let t0 = "2027-01-15T08:00:00.000Z"
}
